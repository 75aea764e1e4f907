import ArgumentParser
import MantHardware

struct RTLCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rtl-check",
        abstract: "Elaborate the SystemC model, run its clock for some cycles and print the heartbeat counters.",
        discussion: "Also checks that a SystemC error report comes back as an error (the model never aborts the process)."
    )

    @Option(help: "Clock cycles to simulate.")
    var cycles: Int = 1000

    func validate() throws { try OptionBounds.check("rtl-check", "--cycles", cycles) }

    func run() throws {
        let model = try RTLModel.fresh()
        try model.run(cycles: UInt64(cycles))
        var table = TextTable(header: ["counter", "value"])
        let counters = try model.counters()
        for name in RTLModel.counterNames where name.hasPrefix("heartbeat.") { table.rows.append([name, "\(counters[name]!)"]) }
        print(table.render())
        let report = try model.checkReports().split(separator: "\n").first.map(String.init) ?? ""
        print("SystemC error reports: caught as errors (\(report))")
    }
}
