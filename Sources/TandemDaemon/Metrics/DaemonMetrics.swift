public import CoreMetrics
public import Prometheus
import Histogram
import Synchronization

/// The node's Prometheus metrics: one registry that `GET /metrics` renders,
/// the node's counters copied into it from `NodeMetrics` snapshots
/// (``NodeMetricsExporter``), and the adapter-facing metrics (sync latency,
/// conflicts, parity) recorded through the methods below or through
/// ``factory`` with the swift-metrics API.
///
/// Guarantees: every metric is registered under the `tandem_` prefix with a
/// help text; counters only go up; rendering is safe from any thread.
public final class DaemonMetrics: Sendable {
    /// The registry `GET /metrics` renders.
    public let registry: PrometheusCollectorRegistry
    /// A swift-metrics factory writing into ``registry``: an adapter may make
    /// `Counter(label:dimensions:factory:)`, `Timer`, … with it, without
    /// bootstrapping the global metrics system.
    public let factory: any MetricsFactory
    private let figures = Mutex(AdapterFigures())

    /// What the adapters recorded, for the status report's health figures.
    struct AdapterFigures: Sendable {
        var conflicts = 0
        /// The last parity ratio of each adapter.
        var parity: [String: Double] = [:]
        /// Sync latencies since start, in milliseconds (1 ms to one hour,
        /// three significant digits; longer ones count as one hour).
        var latency = Histogram<UInt64>(highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: .three)
    }

    /// Sync latency since start: how many, and the 50th and 99th
    /// percentiles in milliseconds (nil before the first).
    var syncLatency: (count: UInt64, p50: UInt64, p99: UInt64)? {
        figures.withLock { figures in
            let latency = figures.latency
            guard latency.totalCount > 0 else { return nil }
            return (latency.totalCount, latency.valueAtPercentile(50), latency.valueAtPercentile(99))
        }
    }

    /// Conflicts counted so far, and the lowest last parity ratio of any
    /// adapter (nil before the first check).
    var adapterFigures: (conflicts: Int, parity: Double?) {
        figures.withLock { ($0.conflicts, $0.parity.values.min()) }
    }

    /// The last parity ratio of each adapter checked so far.
    var parityByAdapter: [String: Double] { figures.withLock { $0.parity } }

    /// Buckets of the sync latency histogram: 1 ms to 1 minute.
    public static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
        .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
    }

    /// The metrics in Prometheus text format.
    public func render() -> String { registry.emitToString() }

    // MARK: Adapter hooks

    /// Records the time from a change's capture at its origin to its commit
    /// in this node's external system (`tandem_sync_latency_seconds`).
    public func recordSyncLatency(collection: String, _ duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: Self.name(
                "sync_latency", unit: "seconds",
                help: "Time from a change's capture at its origin to its commit in this node's external system"),
            labels: [("collection", collection)], buckets: Self.latencyBuckets
        ).recordNanoseconds(duration.nanoseconds)
        let millis = UInt64(clamping: max(0, duration.nanoseconds / 1_000_000))
        figures.withLock { _ = $0.latency.record(min(max(millis, 1), 3_600_000)) }
    }

    /// Counts a concurrent write resolved by last-writer-wins
    /// (`tandem_conflicts_total`).
    public func countConflict(collection: String, field: String) {
        figures.withLock { $0.conflicts += 1 }
        registry.makeCounter(
            descriptor: Self.name(
                "conflicts", unit: "total", help: "Concurrent writes resolved by last-writer-wins, by collection and field"),
            labels: [("collection", collection), ("field", field)]
        ).increment()
    }

    /// Sets the share of records (0…1) found equal by the last parity check
    /// of `adapter` (`tandem_record_parity_ratio`).
    public func setParity(collection: String, adapter: String, ratio: Double) {
        figures.withLock { $0.parity[adapter] = ratio }
        registry.makeGauge(
            descriptor: Self.name(
                "record_parity", unit: "ratio",
                help: "Share of records equal between the external table and the CRDT state at the last parity check"),
            labels: [("collection", collection), ("adapter", adapter)]
        ).set(to: ratio)
    }

    /// The descriptor of `tandem_<name>_<unit>`.
    static func name(_ name: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tandem", metricName: name, unitName: unit, helpText: help)
    }
}

extension Duration {
    /// The whole duration in nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return product.addingReportingOverflow(attoseconds / 1_000_000_000).overflow ? .max
            : product + attoseconds / 1_000_000_000
    }
}
