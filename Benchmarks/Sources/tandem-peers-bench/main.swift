import Foundation
import TandemCore

// The side-by-side workload (docs/PERFORMANCE.md, "Side by side with loro and
// pycrdt") on Tandem's RecordCollection, one run per process, printed as one
// JSON line with the same keys as Benchmarks/Peers/peer_bench.py. `make
// bench-peers` runs it beside loro and pycrdt.
//
//   tandem-peers-bench                 one run, one JSON line
//   tandem-peers-bench import N        only the import step, N times (for profilers)
//   tandem-peers-bench export N        only the export step, N times (for profilers)
//   tandem-peers-bench merge N         only the two-way merge, N times (for profilers)
//   tandem-peers-bench write N         only the 100,000 writes, N times (for profilers)
//   tandem-peers-bench merge-phases    one direction of the merge, step by step

func monotonicMillis() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }

func wallMillis() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
}

/// One replica: its collection, its node's clock, and the delta of its
/// writes since it was last exported (what a node signs and sends).
struct Replica {
    let node: NodeID
    var collection = RecordCollection()
    var clock = HybridLogicalClock()
    var pending = RecordCollection()

    init(node: NodeID) { self.node = node }

    /// One `update` per record (its 10 fields in one delta), stamped from the
    /// wall clock, each delta joined into `pending`.
    mutating func write(_ writes: [PeerWorkload.RecordWrites]) {
        do {
            for record in writes {
                let timestamp = clock.tick(now: wallMillis())
                pending.join(try collection.update(record.id, fields: record.fields, by: node, at: timestamp))
            }
        } catch {
            fatalError("workload rejected: \(error)")
        }
    }

    /// The pending delta's canonical bytes.
    func export() -> [UInt8] { pending.encoded() }

    /// Forgets the pending delta once it is exported (outside the timed
    /// steps: freeing it is not part of encoding it).
    mutating func exported() { pending = RecordCollection() }

    /// Decodes `bytes` and joins the delta.
    mutating func `import`(_ bytes: [UInt8]) {
        do {
            collection.join(try RecordCollection(decoding: bytes))
        } catch {
            fatalError("update refused: \(error)")
        }
    }
}

/// Each side exports its pending writes and imports the other's; returns
/// the bytes exchanged.
@inline(never) @discardableResult
func mergeBothWays(_ a: inout Replica, _ b: inout Replica) -> Int {
    let aToB = a.export()
    let bToA = b.export()
    b.import(aToB)
    a.import(bToA)
    return aToB.count + bToA.count
}

@inline(never)
func writeForProfile(_ replica: inout Replica, _ writes: [PeerWorkload.RecordWrites]) { replica.write(writes) }

@inline(never)
func joinForProfile(_ replica: inout RecordCollection, _ delta: RecordCollection) { replica.join(delta) }

let nodeA = NodeID(words: 0xA, 0, 0, 1)
let nodeB = NodeID(words: 0xB, 0, 0, 2)
let initial = PeerWorkload.writes(0..<PeerWorkload.records, seed: 1)
let writesA = PeerWorkload.writes(PeerWorkload.concurrentA, seed: 2)
let writesB = PeerWorkload.writes(PeerWorkload.concurrentB, seed: 3)
let checksum = PeerWorkload.checksum([initial, writesA, writesB])

/// Two replicas that share A's initial writes, then each made its own
/// concurrent writes (the starting point of the profiled merge).
func concurrentReplicas() -> (Replica, Replica) {
    var a = Replica(node: nodeA)
    a.write(initial)
    var b = Replica(node: nodeB)
    b.import(a.export())
    a.exported()
    a.write(writesA)
    b.write(writesB)
    return (a, b)
}

let arguments = CommandLine.arguments
if arguments.count >= 2 {
    let repeats = arguments.count >= 3 ? Int(arguments[2]) ?? 10 : 10
    var a = Replica(node: nodeA)
    a.write(initial)
    let delta = a.pending
    let update = a.export()
    a.exported()
    var times: [Double] = []
    switch arguments[1] {
    case "import":
        var last = Replica(node: nodeB)
        for _ in 0..<repeats {
            var b = Replica(node: nodeB)
            let start = monotonicMillis()
            b.import(update)
            times.append(monotonicMillis() - start)
            last = b
        }
        precondition(last.collection == a.collection)
    case "export":
        var size = 0
        for _ in 0..<repeats {
            let start = monotonicMillis()
            size &+= delta.encoded().count
            times.append(monotonicMillis() - start)
        }
        precondition(size == update.count * repeats)
    case "write":
        for _ in 0..<repeats {
            var fresh = Replica(node: nodeA)
            let start = monotonicMillis()
            writeForProfile(&fresh, initial)
            times.append(monotonicMillis() - start)
        }
    case "merge":
        for _ in 0..<repeats {
            var (a, b) = concurrentReplicas()
            let start = monotonicMillis()
            mergeBothWays(&a, &b)
            times.append(monotonicMillis() - start)
            precondition(a.collection == b.collection)
        }
    case "merge-phases":
        // The merge's steps timed one by one (one direction: A's delta into B).
        var (a, b) = concurrentReplicas()
        var t = monotonicMillis()
        func lap(_ what: String) {
            let now = monotonicMillis()
            print("\(what): \(String(format: "%.2f", now - t)) ms")
            t = now
        }
        let bytes = a.pending.encoded()
        lap("encode A's delta (\(a.pending.registerEntryCount) entries)")
        do {
            var delta: RecordCollection? = try RecordCollection(decoding: bytes)
            lap("decode")
            if let received = delta { joinForProfile(&b.collection, received) }
            lap("join into B")
            delta = nil
            lap("free the delta")
        } catch {
            fatalError("\(error)")
        }
        times.append(0)
    default:
        print("usage: tandem-peers-bench [import|export|merge|write N | merge-phases]")
        exit(2)
    }
    times.sort()
    print("\(arguments[1]) x\(repeats): median \(String(format: "%.2f", times[times.count / 2])) ms, min \(String(format: "%.2f", times[0])) ms")
    exit(0)
}

var a = Replica(node: nodeA)
var b = Replica(node: nodeB)

var start = monotonicMillis()
a.write(initial)
let writeMillis = monotonicMillis() - start

start = monotonicMillis()
let update = a.export()
let exportMillis = monotonicMillis() - start
a.exported()

start = monotonicMillis()
b.import(update)
let importMillis = monotonicMillis() - start
let importedEqual = a.collection == b.collection

start = monotonicMillis()
a.write(writesA)
b.write(writesB)
let concurrentMillis = monotonicMillis() - start

start = monotonicMillis()
let mergeBytes = mergeBothWays(&a, &b)
let mergeMillis = monotonicMillis() - start
a.exported()
b.exported()

// Agreement: equal states (same entries, same losers kept) and the same
// winning value for every field on both replicas.
var sameWinners = a.collection.count == b.collection.count
for id in a.collection.recordIDs where sameWinners {
    for name in PeerWorkload.fieldNames where a.collection.value(of: name, in: id) != b.collection.value(of: name, in: id) {
        sameWinners = false
    }
}
let agree = importedEqual && sameWinners && a.collection == b.collection

func format(_ millis: Double) -> String { String(format: "%.2f", millis) }
print(
    "{\"system\": \"tandem\", \"write_ms\": \(format(writeMillis)), \"export_ms\": \(format(exportMillis)), "
        + "\"update_bytes\": \(update.count), \"import_ms\": \(format(importMillis)), "
        + "\"merge_ms\": \(format(mergeMillis)), \"agree\": \(agree), "
        + "\"concurrent_write_ms\": \(format(concurrentMillis)), \"merge_bytes\": \(mergeBytes), "
        + "\"workload\": \"\(String(checksum, radix: 16).leftPadded(to: 16))\"}")

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
