import Dispatch

enum Parallel {
    /// Runs `body` over `0..<count` in contiguous chunks on all cores. Each index is handled by
    /// exactly one call, so results written per index do not depend on the number of cores.
    static func forEachChunk(count: Int, minimumChunk: Int = 16, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunk = max(minimumChunk, count / 64)
        let chunks = (count + chunk - 1) / chunk
        if chunks == 1 { body(0..<count); return }
        DispatchQueue.concurrentPerform(iterations: chunks) { index in
            let start = index * chunk
            body(start..<min(start + chunk, count))
        }
    }
}
