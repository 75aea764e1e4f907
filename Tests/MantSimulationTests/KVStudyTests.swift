import XCTest
@testable import MantStudies
import MantSimulation

final class KVStudyTests: XCTestCase {
    func testSchemesRankAsTheirPrecisionImplies() throws {
        var setup = KVStudy.Setup()
        setup.contexts = [70, 130]
        setup.heads = 2
        setup.kvHeads = 1
        setup.queriesPerHead = 2
        let rows = try KVStudy.run(setup)
        XCTAssertEqual(rows.count, KVStudy.Scheme.allCases.count * 2)
        func sqnr(_ scheme: KVStudy.Scheme, _ context: Int) -> Double { rows.first { $0.scheme == scheme && $0.context == context }!.sqnrDecibels! }
        for context in [70, 130] {
            XCTAssertGreaterThan(sqnr(.fp16, context), sqnr(.int8Token, context))
            XCTAssertGreaterThan(sqnr(.int8Token, context), sqnr(.mantTwoStage, context))
            XCTAssertGreaterThan(sqnr(.mantOneStage, context), sqnr(.int4Token, context))
            XCTAssertGreaterThan(sqnr(.mantTwoStage, context), sqnr(.int4Token, context))
        }
        // 70 tokens: one closed window of 64 (4.3125 bits) and 6 INT8 tokens (8.125 bits) for V.
        let twoStage = rows.first { $0.scheme == .mantTwoStage && $0.context == 70 }!
        let valueBits = (64 * 4.3125 + 6 * 8.125) / 70
        XCTAssertEqual(twoStage.bitsPerValue, (4.3125 + valueBits) / 2, accuracy: 1e-12)
        XCTAssertEqual(try KVStudy.run(setup), rows, "seeded: the same numbers every run")
    }

    func testImpossibleSetupsAreNamed() {
        var setup = KVStudy.Setup()
        setup.contexts = [0]
        setup.headDimension = 100
        setup.heads = 3
        setup.kvHeads = 2
        XCTAssertThrowsError(try KVStudy.run(setup)) { error in
            for needle in ["contexts", "head dimension", "3 query heads"] { XCTAssertTrue("\(error)".contains(needle), "\(error)") }
        }
    }
}
