extension InMemoryStore: AuditRetention {
    public func pruneAudit(before: UInt64) throws(StoreError) -> Int {
        try transaction { (state: inout MemoryState) throws(StoreError) -> Int in
            let count = state.audit.count
            state.audit.removeAll { $0.event.at < before && $0.event.kind != .conflict }
            return count - state.audit.count
        }
    }
}
