import ArgumentParser

/// The range of every numeric option, one entry each, checked in `validate()` before any work
/// starts. The README's table under "Hostile input" lists the same entries (a test keeps them
/// equal). Each bound keeps a run's memory and time to what the option is for.
enum OptionBounds {
    struct Entry {
        let command: String, option: String
        let range: ClosedRange<Int>
    }

    static let entries: [Entry] = [
        Entry(command: "attention", option: "--context", range: 1...(1 << 20)),
        Entry(command: "attention", option: "--batch", range: 1...4096),
        Entry(command: "bits-study", option: "--group", range: 1...(1 << 16)),
        Entry(command: "bits-study", option: "--rows", range: 1...(1 << 16)),
        Entry(command: "bits-study", option: "--columns", range: 1...(1 << 16)),
        Entry(command: "bits-study", option: "--queries", range: 1...4096),
        Entry(command: "gemm", option: "--vcd-row", range: 0...4095),
        Entry(command: "kv-study", option: "--contexts", range: 1...(1 << 17)),
        Entry(command: "kv-study", option: "--head-dim", range: 64...1024),
        Entry(command: "kv-study", option: "--heads", range: 1...256),
        Entry(command: "kv-study", option: "--kv-heads", range: 1...256),
        Entry(command: "kv-study", option: "--queries", range: 1...4096),
        Entry(command: "kv-study", option: "--window", range: 1...4096),
        Entry(command: "memories", option: "--head-dimension", range: 1...4096),
        Entry(command: "perplexity", option: "--context", range: 2...(1 << 20)),
        Entry(command: "perplexity", option: "--max-tokens", range: 2...(1 << 24)),
        Entry(command: "rtl-check", option: "--cycles", range: 1...1_000_000_000),
        Entry(command: "sweep", option: "--jobs", range: 1...1024),
        Entry(command: "sweep", option: "--tasks", range: 1...10_000),
        Entry(command: "sweep", option: "--cpus-per-task", range: 1...1024),
        Entry(command: "sweep", option: "--max-points", range: 1...10_000_000),
        Entry(command: "vq-study", option: "--rows", range: 1...4096),
        Entry(command: "vq-study", option: "--hot", range: 0...65536),
        Entry(command: "vq-study", option: "--banks", range: 1...4096),
        Entry(command: "(perplexity options)", option: "--eval-tokens", range: 2...(1 << 24)),
        Entry(command: "(perplexity options)", option: "--eval-context", range: 2...(1 << 20)),
    ]

    static func range(_ command: String, _ option: String) -> ClosedRange<Int> {
        guard let entry = entries.first(where: { $0.command == command && $0.option == option }) else {
            preconditionFailure("no bounds for \(command) \(option)")
        }
        return entry.range
    }

    /// Refuses a value outside the option's range, naming the option and the range.
    static func check(_ command: String, _ option: String, _ values: Int...) throws {
        try check(command, option, values)
    }

    static func check(_ command: String, _ option: String, _ values: [Int]) throws {
        let range = range(command, option)
        if let bad = values.first(where: { !range.contains($0) }) {
            throw ValidationError("\(option) takes \(range.lowerBound) to \(range.upperBound), got \(bad)")
        }
    }
}

/// `mantsim limits`: the range of every numeric option, as `validate()` checks it.
struct Limits: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the range every numeric option accepts.",
        discussion: "Each range is checked before any work starts; a value outside it is refused naming the option and the range."
    )

    @Flag(help: "Print tab-separated lines (command, option, lowest, highest) instead of a table.")
    var tsv = false

    func run() throws {
        if tsv {
            for entry in OptionBounds.entries { print("\(entry.command)\t\(entry.option)\t\(entry.range.lowerBound)\t\(entry.range.upperBound)") }
            return
        }
        var table = TextTable(header: ["command", "option", "lowest", "highest"])
        table.rows = OptionBounds.entries.map { [$0.command, $0.option, "\($0.range.lowerBound)", "\($0.range.upperBound)"] }
        print(table.render())
    }
}
