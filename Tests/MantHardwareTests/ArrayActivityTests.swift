import XCTest
@testable import MantHardware

/// MACs are the `pe.mac_*` counters, whatever the PE kind; utilization is MACs over PE-cycles.
final class ArrayActivityTests: XCTestCase {
    func testMACsAreThePEKindsMACCountersAndUtilizationIsOverPECycles() throws {
        let counters: [String: UInt64] = ["pe.mac_w4a8": 600, "pe.mac_fp16": 200, "pe.shift_add": 999, "sac.scale_accumulate": 50, "pe.idle": 224]
        XCTAssertEqual(ArrayActivity.macs(counters), 800)
        XCTAssertEqual(ArrayActivity.utilization(macs: 800, processingElements: 64, cycles: 16), 800.0 / 1024)
        XCTAssertEqual(ArrayActivity.utilization(macs: 0, processingElements: 64, cycles: 0), 0)
        // Every PE kind's MAC counter is one of them, at every width it runs.
        for pe in PEType.allCases {
            for (weights, activations) in [(4, 8), (8, 8), (16, 16)] {
                let counter = pe.kind(weightBits: weights, activationBits: activations).macCounter
                XCTAssertTrue(counter.hasPrefix("pe.mac_"), "\(pe): \(counter)")
            }
        }
    }
}
