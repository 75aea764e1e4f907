/// Seeded k-means for VQ codebooks: k-means++ initialisation (Arthur and Vassilvitskii, 2007),
/// then Lloyd iterations. Every step has a fixed order, so a seed gives the same codebook on any
/// machine and any number of cores.
struct KMeans {
    let dimension: Int
    let entries: Int
    let iterations: Int
    /// k-means++ costs O(samples x entries); above this many entries the initial centres are a
    /// seeded uniform sample instead.
    static let plusPlusEntryLimit = 4096
    /// Training uses at most this many vectors per entry, taken at an even stride.
    static let samplesPerEntry = 32

    /// Trains on `vectors` (count x dimension, row-major) and returns entries x dimension centres.
    func train(_ vectors: [Float], seed: UInt64) -> [Float] {
        let count = vectors.count / dimension
        let sample = strided(vectors, count: count, limit: max(entries * KMeans.samplesPerEntry, 4096))
        let sampleCount = sample.count / dimension
        var generator = SeededGenerator(seed: seed)
        var centres = initialCentres(sample, count: sampleCount, generator: &generator)
        var assignment = [Int](repeating: 0, count: sampleCount)
        for _ in 0..<iterations {
            let changed = assign(sample, count: sampleCount, centres: centres, into: &assignment)
            update(sample, count: sampleCount, assignment: assignment, centres: &centres)
            if !changed { break }
        }
        return centres
    }

    private func strided(_ vectors: [Float], count: Int, limit: Int) -> [Float] {
        guard count > limit else { return vectors }
        var sample = [Float]()
        sample.reserveCapacity(limit * dimension)
        for index in 0..<limit {
            let source = index * count / limit
            sample.append(contentsOf: vectors[(source * dimension)..<((source + 1) * dimension)])
        }
        return sample
    }

    private func initialCentres(_ sample: [Float], count: Int, generator: inout SeededGenerator) -> [Float] {
        var centres = [Float](repeating: 0, count: entries * dimension)
        func copy(sample index: Int, toCentre centre: Int) {
            for d in 0..<dimension { centres[centre * dimension + d] = sample[index * dimension + d] }
        }
        let first = Int(generator.next() % UInt64(count))
        copy(sample: first, toCentre: 0)
        if entries > KMeans.plusPlusEntryLimit {
            for centre in 1..<entries { copy(sample: Int(generator.next() % UInt64(count)), toCentre: centre) }
            return centres
        }
        var nearest = (0..<count).map { Double(squaredDistance(sample, $0, centres, 0)) }
        var chosen = 1
        while chosen < entries {
            let total = nearest.reduce(0, +)
            var pick: Int
            if total > 0 {
                let target = generator.nextUnitDouble() * total
                var running = 0.0
                pick = count - 1
                for index in 0..<count {
                    running += nearest[index]
                    if running > target { pick = index; break }
                }
            } else {
                // Fewer distinct vectors than entries: repeat samples in order.
                pick = chosen % count
            }
            copy(sample: pick, toCentre: chosen)
            for index in 0..<count {
                nearest[index] = min(nearest[index], Double(squaredDistance(sample, index, centres, chosen)))
            }
            chosen += 1
        }
        return centres
    }

    @inline(__always)
    func squaredDistance(_ vectors: [Float], _ vector: Int, _ centres: [Float], _ centre: Int) -> Float {
        var sum: Float = 0
        for d in 0..<dimension {
            let difference = vectors[vector * dimension + d] - centres[centre * dimension + d]
            sum += difference * difference
        }
        return sum
    }

    /// Nearest centre (squared distance in binary32, in dimension order; ties to the lowest index).
    @inline(__always)
    static func nearest(_ vector: UnsafePointer<Float>, centres: UnsafeBufferPointer<Float>, entries: Int, dimension: Int) -> Int {
        var best = 0
        var bestDistance = Float.infinity
        for centre in 0..<entries {
            var sum: Float = 0
            let base = centre * dimension
            for d in 0..<dimension {
                let difference = vector[d] - centres[base + d]
                sum += difference * difference
            }
            if sum < bestDistance { bestDistance = sum; best = centre }
        }
        return best
    }

    /// Assigns every vector to its nearest centre in parallel; returns whether anything moved.
    @discardableResult
    func assign(_ vectors: [Float], count: Int, centres: [Float], into assignment: inout [Int]) -> Bool {
        var changed = false
        let entries = self.entries, dimension = self.dimension
        vectors.withUnsafeBufferPointer { input in
            centres.withUnsafeBufferPointer { centreBuffer in
                assignment.withUnsafeMutableBufferPointer { output in
                    var moved = [Bool](repeating: false, count: count)
                    moved.withUnsafeMutableBufferPointer { movedOut in
                        Parallel.forEachChunk(count: count, minimumChunk: 256) { range in
                            for index in range {
                                let choice = KMeans.nearest(input.baseAddress! + index * dimension, centres: centreBuffer,
                                                            entries: entries, dimension: dimension)
                                if choice != output[index] { movedOut[index] = true }
                                output[index] = choice
                            }
                        }
                    }
                    changed = moved.contains(true)
                }
            }
        }
        return changed
    }

    /// Moves each centre to the mean of its vectors (binary64 sums in vector order); a centre
    /// without vectors stays where it is.
    private func update(_ vectors: [Float], count: Int, assignment: [Int], centres: inout [Float]) {
        var sums = [Double](repeating: 0, count: entries * dimension)
        var members = [Int](repeating: 0, count: entries)
        for index in 0..<count {
            let centre = assignment[index]
            members[centre] += 1
            for d in 0..<dimension { sums[centre * dimension + d] += Double(vectors[index * dimension + d]) }
        }
        for centre in 0..<entries where members[centre] > 0 {
            for d in 0..<dimension {
                centres[centre * dimension + d] = Float(sums[centre * dimension + d] / Double(members[centre]))
            }
        }
    }
}
