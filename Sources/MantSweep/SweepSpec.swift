import Foundation
import MantWorkload
import MantConfig
import Yams

/// A design-space sweep as its YAML file describes it: architectures, a workload, axes over
/// architecture fields and workload settings, and constraints.
///
///     architectures: [int8, mant]     # bundled names or YAML paths (relative to this file)
///     model: llama-2-7b               # model, phase, batch, prompt, tokens, energy, pe_area,
///     phase: decode                   # dram_standard, seed, fidelity: one value, or a list (an axis)
///     prompt: 256
///     tokens: 4
///     axes:                           # every combination runs, on every architecture
///       array.rows: [16, 32]          # any architecture field by its path
///       dram.bits_per_cycle: [256, 1024]
///       batch: [1, 16]                # or a workload setting
///     constraints:
///       iso: area                     # pe (default), area or chip: resize to the baseline's area
///       baseline: int8
///       max_area_mm2: 2.0             # drop points above this chip area (area: core for PEs only)
///     exclude:                        # combinations left out: every key of one entry matches
///       - {phase: prefill, batch: 16}
///       - {model: llama-2-7b, prompt: [8188]}
public struct SweepSpec {
    /// Workload settings an axis may name; every other axis name is an architecture field path.
    public static let workloadKeys = ["model", "phase", "batch", "prompt", "tokens", "energy", "pe_area", "dram_standard", "seed", "fidelity"]
    static let defaults: [String: Any] = ["model": "llama-2-7b", "phase": "both", "batch": 1, "prompt": 2048, "tokens": 128,
                                          "energy": "28nm", "pe_area": "composed", "seed": 2025, "fidelity": "fast"]
    static let topKeys = Section.allCases.map(\.rawValue) + workloadKeys

    /// The spec's sections besides the workload settings, each read by its own reader.
    enum Section: String, CaseIterable {
        case architectures, axes, constraints, exclude

        func read(_ node: Node, into reading: inout Reading) {
            switch self {
            case .architectures: reading.architectures += SweepSpec.parseArchitectures(node, problems: &reading.problems)
            case .axes: reading.axes += SweepSpec.parseAxes(node, workload: reading.workload, problems: &reading.problems)
            case .constraints: reading.constraints = SweepSpec.parseConstraints(node, problems: &reading.problems)
            case .exclude: reading.exclude += SweepSpec.parseExclude(node, problems: &reading.problems, nodes: &reading.excludeNodes)
            }
        }
    }

    /// What the sections have given so far, and every problem found.
    struct Reading {
        var problems = [String]()
        var architectures = [Value]()
        var workload = [String: Axis]()
        var workloadOrder = [String]()
        var axes = [Axis]()
        var constraints = Constraints()
        var exclude = [[String: Set<String>]]()
        var excludeNodes = [(index: Int, key: String, values: [Value])]()

        /// A workload setting: one value, or a list of them (an axis written at the top level).
        mutating func readSetting(_ key: String, _ node: Node) {
            let values = node.sequence != nil ? SweepSpec.list(node) : [SweepSpec.value(node)]
            if values.isEmpty {
                problems.append("\(key): no values (give one, or a list)")
                return
            }
            workload[key] = Axis(name: key, values: values, field: key)
            workloadOrder.append(key)
        }
    }

    public struct Axis {
        /// `array.rows`, or a workload key such as `batch`.
        public var name: String
        public var values: [Value]
        public var isWorkload: Bool { SweepSpec.workloadKeys.contains(name) }
        /// Where the spec names it: `axes.array.rows`, or `batch` for a top-level list.
        public var field: String
    }

    /// One value of an axis: as YAML built it, and as it is shown.
    public struct Value {
        public var value: Any
        public var text: String
    }

    public struct Constraints: Equatable {
        /// pe: as configured; area or chip: every other architecture resized to the baseline's.
        public var iso = "pe"
        public var baseline: String?
        /// Points whose area (chip, or core: PEs, SAC rows, decoders, KV engine) exceeds this are dropped.
        public var maxArea: Double?
        public var areaScope = "chip"
    }

    public var path: String
    public var text: String
    public var architectures: [Value]
    /// The workload settings first (spec order), then the axes: the last varies fastest.
    public var axes: [Axis]
    public var constraints: Constraints
    /// Combinations left out: axis name -> the values (as written) that match; a combination
    /// matching every key of one entry is not a point.
    public var exclude: [[String: Set<String>]] = []
    /// What is wrong with the spec itself; `SweepPlan` reports these with the points' problems,
    /// all at once.
    public var problems: [String]

    /// The folder relative paths in the spec are read from.
    public var folder: String { URL(fileURLWithPath: path).deletingLastPathComponent().path }

    public static func load(path: String) throws -> SweepSpec {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ConfigError(path: path, problems: ["file: does not exist (expected a sweep spec in YAML)"])
        }
        if isFolder.boolValue { throw ConfigError(path: path, problems: ["file: is a folder, not a sweep spec"]) }
        let data: Data
        do { data = try BoundedFile.read(path, limit: YAMLGuard.maxBytes) } catch { throw ConfigError(path: path, problems: ["file: \(error)"]) }
        guard let text = String(data: data, encoding: .utf8), !text.contains("\0") else {
            throw ConfigError(path: path, problems: ["file: is not UTF-8 text (a YAML sweep spec was expected)"])
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> SweepSpec {
        let unsafe = YAMLGuard.problems(text)
        if !unsafe.isEmpty { throw ConfigError(path: path, problems: unsafe) }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { throw ConfigError(path: path, problems: ["YAML: \(error)"]) }
        guard let root, let top = root.mapping else {
            throw ConfigError(path: path, problems: ["file: expected a mapping with architectures, the workload and axes"])
        }
        var reading = Reading()
        for (keyNode, valueNode) in top {
            let key = keyNode.string ?? ""
            if let section = Section(rawValue: key) {
                section.read(valueNode, into: &reading)
            } else if SweepSpec.workloadKeys.contains(key) {
                reading.readSetting(key, valueNode)
            } else {
                reading.problems.append("\(key): unknown key (expected one of \(SweepSpec.topKeys.joined(separator: ", ")))")
            }
        }
        var problems = reading.problems
        let (architectures, workload, workloadOrder, axes) = (reading.architectures, reading.workload, reading.workloadOrder, reading.axes)
        let (constraints, exclude, excludeNodes) = (reading.constraints, reading.exclude, reading.excludeNodes)
        if top["architectures"] == nil { problems.append("architectures: missing (a list of bundled names or YAML paths)") }
        let names = architectures.compactMap { $0.value as? String }
        if Set(names).count != names.count { problems.append("architectures: an architecture is named twice") }
        problems += checkConstraints(constraints, axes: axes, architectures: names)
        // Workload settings the spec leaves out take the defaults `mantsim run` has.
        var ordered = workloadOrder.map { workload[$0]! }
        for key in SweepSpec.workloadKeys where workload[key] == nil && axes.allSatisfy({ $0.name != key }) {
            if let fallback = SweepSpec.defaults[key] { ordered.append(Axis(name: key, values: [Value(value: fallback, text: "\(fallback)")], field: key)) }
        }
        let all = ordered + axes
        problems += checkExclusions(excludeNodes, axes: all, architectures: names)
        var spec = SweepSpec(path: path, text: text, architectures: architectures, axes: all, constraints: constraints, problems: problems)
        spec.exclude = exclude
        return spec
    }

    /// The `architectures` list: bundled names or paths, at least one.
    private static func parseArchitectures(_ node: Node, problems: inout [String]) -> [Value] {
        let values = list(node)
        if values.isEmpty { problems.append("architectures: expected a list of bundled names or YAML paths, with at least one") }
        return values.filter { value in
            if let name = value.value as? String, !name.isEmpty { return true }
            problems.append("architectures: expected names or paths, got \(value.text)")
            return false
        }
    }

    /// Iso area or chip needs a baseline among the architectures and sets the array's size itself.
    private static func checkConstraints(_ constraints: Constraints, axes: [Axis], architectures names: [String]) -> [String] {
        var problems = [String]()
        guard constraints.iso != "pe" else {
            if constraints.baseline != nil { problems.append("constraints.baseline: only used with iso area or chip") }
            return problems
        }
        if let baseline = constraints.baseline {
            if !names.contains(baseline) { problems.append("constraints.baseline: \(baseline) is not among the architectures \(names.joined(separator: ", "))") }
        } else {
            problems.append("constraints.baseline: missing (iso \(constraints.iso) resizes every architecture to the baseline's area)")
        }
        for axis in axes where ["array.rows", "array.columns", "array"].contains(axis.name) {
            problems.append("\(axis.field): iso \(constraints.iso) sets the array's rows and columns itself; sweep them with iso pe")
        }
        return problems
    }

    /// An exclusion names axes (or architecture) and values they take: anything else matches
    /// nothing, which is a mistake.
    private static func checkExclusions(_ nodes: [(index: Int, key: String, values: [Value])], axes: [Axis], architectures names: [String]) -> [String] {
        var problems = [String]()
        for (index, name, values) in nodes {
            let field = "exclude[\(index)].\(name)"
            let known: [String]
            if name == "architecture" { known = names } else if let axis = axes.first(where: { $0.name == name }) { known = axis.values.map(\.text) } else {
                problems.append("\(field): not an axis of this spec (expected architecture, a workload setting or one of the axes)")
                continue
            }
            for value in values where !known.contains(value.text) {
                problems.append("\(field): \(value.text) is not one of its values (\(known.joined(separator: ", ")))")
            }
        }
        return problems
    }

    /// The `axes` mapping: field paths (or workload settings) to lists of values; `workload` holds
    /// the settings given at the top level, which an axis may not name again.
    private static func parseAxes(_ valueNode: Node, workload: [String: Axis], problems: inout [String]) -> [Axis] {
        var axes = [Axis]()
        guard let mapping = valueNode.mapping else { problems.append("axes: expected a mapping of field paths to lists of values"); return [] }
        for (nameNode, valuesNode) in mapping {
            let name = nameNode.string ?? ""
            let field = "axes.\(name)"
            guard valuesNode.sequence != nil else {
                problems.append("\(field): expected a list of values, got \(describe(valuesNode))")
                continue
            }
            let values = list(valuesNode)
            if values.isEmpty { problems.append("\(field): no values (an axis needs at least one)"); continue }
            if name == "architectures" || name == "architecture" {
                problems.append("\(field): list the architectures under the top-level key architectures")
                continue
            }
            if !SweepSpec.workloadKeys.contains(name) {
                let parts = name.split(separator: ".", omittingEmptySubsequences: false)
                if name.isEmpty || parts.contains(where: { $0.isEmpty || !$0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }) {
                    problems.append("\(field): not a field path (expected keys joined by dots, such as array.rows, or one of \(SweepSpec.workloadKeys.joined(separator: ", ")))")
                    continue
                }
            }
            if axes.contains(where: { $0.name == name }) || workload[name] != nil {
                problems.append("\(field): named twice (also at the top level or among the axes)")
                continue
            }
            axes.append(Axis(name: name, values: values, field: field))
        }
        return axes
    }

    /// The `constraints` mapping (iso, baseline, max_area_mm2, area).
    private static func parseConstraints(_ valueNode: Node, problems: inout [String]) -> Constraints {
        var constraints = Constraints()
        guard let mapping = valueNode.mapping else { problems.append("constraints: expected a mapping (iso, baseline, max_area_mm2, area)"); return constraints }
        for (nameNode, node) in mapping {
            switch nameNode.string ?? "" {
            case "iso":
                if let text = node.string, ["pe", "area", "chip"].contains(text) { constraints.iso = text } else {
                    problems.append("constraints.iso: expected pe, area or chip, got \(describe(node))")
                }
            case "baseline":
                if let text = node.string, !text.isEmpty { constraints.baseline = text } else {
                    problems.append("constraints.baseline: expected one of the architectures, got \(describe(node))")
                }
            case "max_area_mm2":
                if let number = node.float, number.isFinite, number > 0 { constraints.maxArea = number } else {
                    problems.append("constraints.max_area_mm2: expected a positive number, got \(describe(node))")
                }
            case "area":
                if let text = node.string, ["chip", "core"].contains(text) { constraints.areaScope = text } else {
                    problems.append("constraints.area: expected chip or core, got \(describe(node))")
                }
            case let other:
                problems.append("constraints.\(other): unknown key (expected iso, baseline, max_area_mm2 or area)")
            }
        }
        return constraints
    }

    /// The `exclude` list: one rule per entry; `nodes` keeps each key's values to check against the axes.
    private static func parseExclude(_ valueNode: Node, problems: inout [String], nodes: inout [(index: Int, key: String, values: [Value])])
        -> [[String: Set<String>]] {
        var exclude = [[String: Set<String>]]()
        guard let sequence = valueNode.sequence else {
            problems.append("exclude: expected a list of mappings of axis names to a value or a list of values")
            return []
        }
        for (index, entry) in sequence.enumerated() {
            guard let mapping = entry.mapping, !mapping.isEmpty else {
                problems.append("exclude[\(index)]: expected a mapping of axis names to a value or a list of values, got \(describe(entry))")
                continue
            }
            var rule = [String: Set<String>]()
            for (nameNode, node) in mapping {
                let name = nameNode.string ?? ""
                let values = list(node)
                rule[name] = Set(values.map(\.text))
                nodes.append((index, name, values))
            }
            exclude.append(rule)
        }
        return exclude
    }

    private static func list(_ node: Node) -> [Value] {
        guard let sequence = node.sequence else { return [value(node)] }
        return sequence.map(value)
    }

    private static func value(_ node: Node) -> Value {
        let built = Constructor.default.any(from: node)
        return Value(value: built, text: describe(node))
    }

    /// A node as the spec wrote it: scalars as written, collections in flow style.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return scalar.string
        case .sequence(let sequence): return "[" + sequence.map(describe).joined(separator: ", ") + "]"
        case .mapping(let mapping): return "{" + mapping.map { "\(describe($0.key)): \(describe($0.value))" }.joined(separator: ", ") + "}"
        }
    }
}
