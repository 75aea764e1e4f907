import ArgumentParser
import MantNumerics

struct Formats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List every format name with its bits and default granularity.")

    func run() throws {
        var table = TextTable(header: ["name", "format", "default scale granularity"])
        for name in FormatCatalog.names {
            let descriptor = try FormatCatalog.parse(name)
            let scope: String
            switch descriptor.kind {
            case .fp16, .bf16: scope = "none"
            case .vq: scope = "codebook per \(descriptor.vq!.scope)"
            default: scope = "\(descriptor.granularity)"
            }
            table.rows.append([name, descriptor.name, scope])
        }
        table.rows.append(["lut", "custom lookup table (--table FILE)", "group64"])
        table.rows.append(["vq-V-K-R", "VQ, vectors of V, 2^K entries, R stages", "codebook per tensor"])
        print(table.render())
    }
}
