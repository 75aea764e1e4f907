import Foundation
import GRDB
import XCTest
import MantModels
@testable import MantSweep

final class PerplexityCacheTests: XCTestCase {
    private var folder: String!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mantsim-cache-\(UUID().uuidString)").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func testStoredResultsComeBackAndImpossibleRowsDoNot() throws {
        let path = folder + "/sub/perplexity.sqlite"
        var warnings = [String]()
        let cache = try PerplexityCache(path: path) { warnings.append($0) }
        XCTAssertNil(cache.lookup("k"))
        let result = Perplexity(context: 256, tokens: 513, windows: 2, predictions: 510, negativeLogLikelihood: 1581.0026966094422)
        try cache.store(result, key: "k", model: "m.gguf", settings: "s")
        XCTAssertEqual(cache.lookup("k"), result)
        XCTAssertEqual(try PerplexityCache(path: path) { warnings.append($0) }.lookup("k"), result, "kept across opens")
        try cache.queue.inDatabase { try $0.execute(sql: "UPDATE results SET negative_log_likelihood = -1 WHERE key = 'k'") }
        XCTAssertNil(cache.lookup("k"), "a negative likelihood is never returned")
        XCTAssertEqual(try cache.queue.inDatabase { try Int.fetchOne($0, sql: "SELECT count(*) FROM results") }, 0, "and is dropped")
        XCTAssertEqual(warnings, [])
    }

    func testAnotherProgramsDatabaseIsSetAside() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/perplexity.sqlite"
        try DatabaseQueue(path: path).inDatabase { try $0.execute(sql: "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')") }
        var warnings = [String]()
        let cache = try PerplexityCache(path: path) { warnings.append($0) }
        XCTAssertNil(cache.lookup("k"))
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("moved to"), warnings[0])
        let aside = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains("corrupt") }
        XCTAssertEqual(aside.count, 1)
        XCTAssertEqual(try DatabaseQueue(path: folder + "/" + aside[0]).inDatabase { try String.fetchOne($0, sql: "SELECT text FROM notes") }, "mine",
                       "the other program's file is kept whole")
    }
}
