import XCTest
@testable import MantNumerics

final class TwoStageKVCacheTests: XCTestCase {
    func stream(_ tokens: Int, seed: UInt64, d: Int = 128) throws -> Tensor {
        let tensor = try SyntheticTensor.llmLike(rows: tokens, columns: d, seed: seed)
        return try Tensor(shape: tensor.shape, values: tensor.values.map { $0 * 50 })
    }

    func filled(_ tokens: Int, window: Int = 64, d: Int = 128) throws -> (TwoStageKVCache, Tensor, Tensor) {
        let keys = try stream(tokens, seed: 1, d: d), values = try stream(tokens, seed: 2, d: d)
        var cache = try TwoStageKVCache(headDimension: d, window: window)
        for t in 0..<tokens {
            try cache.append(key: Array(keys.values[(t * d)..<((t + 1) * d)]), value: Array(values.values[(t * d)..<((t + 1) * d)]))
        }
        return (cache, keys, values)
    }

    /// Stage 2 runs exactly when a window fills: W - 1, W and W + 1 tokens, and several windows.
    func testWindowBoundaries() throws {
        for (tokens, closed, open) in [(63, 0, 63), (64, 64, 0), (65, 64, 1), (200, 192, 8)] {
            let (cache, _, _) = try filled(tokens)
            XCTAssertEqual([cache.tokens, cache.closedTokens, cache.openTokens], [tokens, closed, open], "\(tokens)")
            XCTAssertEqual(cache.activity.windowFlushes, closed / 64)
            XCTAssertEqual(try cache.closedValues()?.shape, closed == 0 ? nil : [128, closed])
            XCTAssertEqual(try cache.dequantizedValues().shape, [tokens, 128])
        }
    }

    /// K is M-ANT per token; V's closed windows are M-ANT of the INT8-dequantized window, channel by
    /// channel; the open window is INT8 per token: each checked against the formats themselves.
    func testEngineMatchesItsDefinition() throws {
        let (cache, keys, values) = try filled(150)
        let mant = try MANTFormat(bits: 4, granularity: .group(64))
        XCTAssertEqual(try cache.keys(), try mant.quantize(keys))
        let int8 = try ActivationQuantizer(bits: 8).quantize(values)
        let stageOne = int8.integers.enumerated().map { Float($1) * MiniFloat.fp16.decode(int8.scaleCodes[$0 / 128]) }
        var transposed = [Float](repeating: 0, count: 128 * 128)
        for token in 0..<128 { for channel in 0..<128 { transposed[channel * 128 + token] = stageOne[token * 128 + channel] } }
        let windows = try [0, 64].map { start -> QuantizedTensor in
            var block = [Float]()
            for channel in 0..<128 { block += transposed[(channel * 128 + start)..<(channel * 128 + start + 64)] }
            return try MANTFormat(bits: 4, granularity: .group(64)).quantize(try Tensor(shape: [128, 64], values: block))
        }
        XCTAssertEqual(try cache.closedValues(), try QuantizedTensor.joiningColumns(windows))
        let dequantized = try cache.dequantizedValues().values
        XCTAssertEqual(Array(dequantized[(128 * 128)...]), Array(stageOne[(128 * 128)...]), "the open window reads as INT8")
        XCTAssertEqual(cache.openValues.integers.count, 22)
    }

    func testActivityIsConserved() throws {
        let (cache, _, _) = try filled(130)
        let activity = cache.activity
        XCTAssertEqual(activity.keyVectors, 130)
        XCTAssertEqual(activity.keyGroupSearches, 130 * 2)
        XCTAssertEqual(activity.valueGroupSearches, 2 * 128)
        XCTAssertEqual(activity.windowWriteBits, 130 * (128 * 8 + 16))
        XCTAssertEqual(activity.windowReadBits, 2 * 64 * (128 * 8 + 16))
        let keyBits = 130 * (128 * 4 + 2 * 20), valueBits = 2 * (128 * 64 * 4 + 128 * 20)
        XCTAssertEqual(activity.cacheWriteBits, keyBits + valueBits)
        XCTAssertEqual(try cache.keys().codes.bitCount + (try cache.keys().metadata.reduce(0) { $0 + $1.bitCount }), keyBits)
    }

    func testBadInputIsRefusedAndLeavesTheCacheAsItWas() throws {
        XCTAssertThrowsError(try TwoStageKVCache(headDimension: 96)) { XCTAssertTrue("\($0)".contains("not a multiple of the K group 64")) }
        XCTAssertThrowsError(try TwoStageKVCache(headDimension: 128, window: 128)) { XCTAssertTrue("\($0)".contains("window buffer of 64")) }
        XCTAssertThrowsError(try TwoStageKVCache(headDimension: 128, window: 0))
        var (cache, _, _) = try filled(3)
        var value = [Float](repeating: 0.5, count: 128)
        value[17] = .nan
        XCTAssertThrowsError(try cache.append(key: [Float](repeating: 1, count: 128), value: value)) {
            XCTAssertTrue("\($0)".contains("token 3, channel 17"), "\($0)")
        }
        XCTAssertThrowsError(try cache.append(key: [1, 2], value: value)) { XCTAssertTrue("\($0)".contains("head dimension is 128")) }
        XCTAssertEqual(cache.tokens, 3)
        XCTAssertEqual(cache.activity.valueVectors, 3)
    }

    func testGroupedQueryHeadsShareTheirKVHead() throws {
        XCTAssertEqual((0..<8).map { AttentionReference.kvHead(of: $0, heads: 8, kvHeads: 2) }, [0, 0, 0, 0, 1, 1, 1, 1])
        XCTAssertEqual((0..<4).map { AttentionReference.kvHead(of: $0, heads: 4, kvHeads: 4) }, [0, 1, 2, 3])
        // One key: attention returns its value exactly whatever the query.
        let keys = try Tensor(shape: [1, 4], values: [1, 2, 3, 4]), values = try Tensor(shape: [1, 4], values: [5, -6, 7, 0.25])
        let out = try AttentionReference.attend(queries: try Tensor(shape: [2, 4], values: [9, 9, 9, 9, -1, 0, 3, 2]), keys: keys, values: values)
        XCTAssertEqual(out.values, [5, -6, 7, 0.25, 5, -6, 7, 0.25])
    }
}
