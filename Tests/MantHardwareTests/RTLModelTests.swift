import XCTest
import MantNumerics
@testable import MantHardware

final class RTLModelTests: XCTestCase {
    func testClockedBlockCountsTheCyclesSwiftAskedFor() throws {
        let model = try RTLModel.fresh()
        try model.run(cycles: 10)
        XCTAssertEqual(try model.counter(named: "heartbeat.cycles"), 10)
        try model.run(cycles: 32)
        XCTAssertEqual(try model.counter(named: "heartbeat.cycles"), 42)
    }

    func testCycleCountsStayExactAfterAGemmJob() throws {
        let model = try RTLModel.fresh()
        let weights = try MANTFormat(bits: 4, granularity: .group(8)).quantize(try SyntheticTensor.llmLike(rows: 4, columns: 16, seed: 1))
        let operands = try GemmOperands(weights: weights, activations: try SyntheticTensor.llmLike(rows: 2, columns: 16, seed: 2))
        _ = try model.run(operands, on: ArrayConfig(peType: .mant, rows: 4, columns: 4), dataflow: .weightStationary)
        let fresh = try RTLModel.fresh()
        try fresh.run(cycles: 10)
        XCTAssertEqual(try fresh.counter(named: "heartbeat.cycles"), 10)
    }

    func testTheModelHasOneOwnerAndResetStartsItAfresh() throws {
        let model = try RTLModel.shared()
        try model.run(cycles: 7)
        let resetsBefore = try model.counter(named: "heartbeat.resets")
        // SystemC elaborates one module tree per process: a second handle while one lives is refused.
        XCTAssertThrowsError(try RTLModel()) { error in
            XCTAssertEqual((error as? RTLError)?.kind, .busy, "\(error)")
            XCTAssertTrue("\(error)".contains("another handle owns the model"), "\(error)")
        }
        try model.reset()
        XCTAssertEqual(try model.counter(named: "heartbeat.cycles"), 0)
        XCTAssertEqual(try model.counter(named: "heartbeat.resets"), resetsBefore + 1)
        try model.run(cycles: 3)
        XCTAssertEqual(try model.counter(named: "heartbeat.cycles"), 3)
    }

    func testSystemCErrorReportBecomesSwiftError() throws {
        let model = try RTLModel.fresh()
        let message = try model.checkReports()
        XCTAssertTrue(message.hasPrefix("SystemC: ") && message.contains("deliberate error report"), message)
        // The kernel keeps working after a report.
        try model.run(cycles: 2)
        XCTAssertEqual(try model.counter(named: "heartbeat.cycles"), 2)
    }

    func testBadArgumentsAreNamed() throws {
        XCTAssertThrowsError(try RTLModel(clockPeriodPicoseconds: 0)) { error in
            XCTAssertTrue("\(error)".contains("clock_period_ps"), "\(error)")
        }
        let model = try RTLModel.fresh()
        XCTAssertThrowsError(try model.counter(named: "no.such.counter")) { error in
            XCTAssertTrue("\(error)".contains("no.such.counter"), "\(error)")
        }
    }
}
