import ArgumentParser
import MantHardware

struct RTLCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rtl-check",
        abstract: "Elaborate the SystemC model, run its clock for some cycles and print the heartbeat counters."
    )

    @Option(help: "Clock cycles to simulate.")
    var cycles: UInt64 = 1000

    func run() throws {
        let model = try RTLModel()
        try model.run(cycles: cycles)
        var table = TextTable(header: ["counter", "value"])
        for name in RTLModel.counterNames where name.hasPrefix("heartbeat.") { table.rows.append([name, "\(try model.counter(named: name))"]) }
        print(table.render())
    }
}
