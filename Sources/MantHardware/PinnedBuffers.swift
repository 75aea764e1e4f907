/// The memory of one C call's job: arrays copied to fixed addresses that stay valid until the
/// owner is released, and buffers the model writes into, read back as arrays. One owner per job
/// replaces a closure per array.
final class PinnedBuffers {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit { for pointer in allocations { pointer.deallocate() } }

    /// A copy of `values` (elements of trivial type); nil for an empty array.
    func pin<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        guard !values.isEmpty else { return nil }
        let buffer = zeroed(T.self, count: values.count)
        _ = UnsafeMutableBufferPointer(start: buffer, count: values.count).update(fromContentsOf: values)
        return buffer
    }

    /// `values` converted as they are copied (codes widened or narrowed).
    func pin<S: Collection, T: FixedWidthInteger>(_ values: S, as _: T.Type) -> UnsafeMutablePointer<T>? where S.Element: BinaryInteger {
        pin(values.map { T(truncatingIfNeeded: $0) })
    }

    /// `count` zeroed elements for the model to write (at least one, so the pointer is never nil).
    func output<T: FixedWidthInteger>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> { zeroed(T.self, count: max(count, 1)) }
    func output(_: Float.Type, count: Int) -> UnsafeMutablePointer<Float> { zeroed(Float.self, count: max(count, 1)) }

    private func zeroed<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<T>.stride, alignment: MemoryLayout<T>.alignment)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: count * MemoryLayout<T>.stride)
        allocations.append(raw)
        return raw.bindMemory(to: T.self, capacity: count)
    }
}

extension UnsafeMutablePointer {
    /// The first `count` elements as an array.
    func array(_ count: Int) -> [Pointee] { Array(UnsafeBufferPointer(start: self, count: count)) }
}
