import Foundation
import MantConfig
import MantHardware
import MantNumerics
import MantSimulation
import MantWorkload

/// MantSim's release: part of every point's key, so that a newer tool reruns what it may compute
/// differently.
public let mantsimVersion = "0.18.0"

/// One point of a sweep: an architecture with its axis values set, a workload and an energy table,
/// resolved and validated.
public struct SweepPoint {
    /// Position in the spec's order (architectures outer, the last axis fastest).
    public var index: Int
    /// The architecture as the spec names it.
    public var architectureName: String
    /// Every axis value of the point, in axis order: (axis, value as written).
    public var settings: [(axis: String, text: String)]
    /// The architecture field axes only, as canonical JSON.
    public var fieldsJSON: String
    public var architecture: ArchitectureConfig
    public var request: WorkloadRequest
    public var energy: EnergyTable
    /// The workload settings as written: model, phase, batch, ... (every workload key).
    public var workload: [String: String]
    /// Identity of everything the point's result depends on: the resolved architecture tree, the
    /// model and energy files' text, the workload, the constraints' effect and the tool version.
    public var key: String

    /// The architecture and the axes that vary across the sweep: "mant array.rows=16 batch=4".
    public func label(varying: Set<String>) -> String {
        ([architectureName] + settings.filter { varying.contains($0.axis) }.map { "\($0.axis)=\($0.text)" }).joined(separator: " ")
    }
}

/// Every point of a spec, resolved before anything runs; every problem at once.
public struct SweepPlan {
    public var spec: SweepSpec
    public var points: [SweepPoint]
    /// Combinations left out by `exclude` and points dropped by constraints.
    public var dropped: Int
    /// Axes (architectures included, as "architecture") with more than one value.
    public var varying: Set<String>

    /// How names that are not paths are found (bundled configs): (name, kind) -> path, kind
    /// being "arch", "models" or "energy".
    public typealias Resolver = (String, String) throws -> String

    /// The most points a spec may have unless the caller raises it (`sweep --max-points`): each
    /// point is resolved and checked before any runs.
    public static let defaultMaxPoints = 20_000

    /// The points a spec's architectures and axes make (before exclusions and constraints), or nil
    /// when the count passes Int's range.
    public static func pointCount(_ spec: SweepSpec) -> Int? {
        var count = spec.architectures.count
        for axis in spec.axes {
            let (product, overflow) = count.multipliedReportingOverflow(by: axis.values.count)
            if overflow { return nil }
            count = product
        }
        return count
    }

    public init(spec: SweepSpec, maxPoints: Int = SweepPlan.defaultMaxPoints, resolve: Resolver) throws {
        self.spec = spec
        var problems = spec.problems
        // Counted before any point is built: 10^9 combinations would exhaust memory.
        let count = SweepPlan.pointCount(spec)
        if count.map({ $0 > maxPoints }) ?? true {
            let shape = ([spec.architectures.count] + spec.axes.map(\.values.count)).map(String.init).joined(separator: " x ")
            throw ConfigError(path: spec.path, problems: ["axes: \(shape) = \(count.map(String.init) ?? "more than \(Int.max)") points, above the "
                + "\(maxPoints) a sweep plans at once; split the sweep, or raise the limit with --max-points"])
        }
        var varying = Set(spec.axes.filter { $0.values.count > 1 }.map(\.name))
        if spec.architectures.count > 1 { varying.insert("architecture") }
        self.varying = varying

        let (trees, models, energies, read) = SweepPlan.readFiles(spec, resolve: resolve)
        problems += read
        if !problems.isEmpty { throw ConfigError(path: spec.path, problems: problems) }

        // Every combination, architectures outer and the last axis fastest.
        var combinations: [[Int]] = [[]]
        for axis in spec.axes { combinations = combinations.flatMap { prefix in axis.values.indices.map { prefix + [$0] } } }
        var points = [SweepPoint]()
        var seen = Set<String>()
        var excluded = 0
        for architecture in spec.architectures {
            let name = architecture.value as! String
            let (file, base) = trees[name]!
            for combination in combinations {
                let texts = Dictionary(uniqueKeysWithValues: zip(spec.axes, combination).map { ($0.name, $0.values[$1].text) })
                    .merging(["architecture": name]) { first, _ in first }
                if spec.exclude.contains(where: { rule in rule.allSatisfy { texts[$0.key].map($0.value.contains) ?? false } }) {
                    excluded += 1
                    continue
                }
                guard let point = SweepPlan.point(index: points.count, of: name, file: file, base: base, choices: combination, spec: spec,
                                                  models: models, energies: energies, problems: &problems) else { continue }
                if seen.insert(point.key).inserted { points.append(point) } else {
                    let place = ([point.architectureName] + point.settings.map { "\($0.axis)=\($0.text)" }).joined(separator: " ")
                    problems.append("axes: two points are the same configuration (\(place)); an axis repeats a value")
                }
            }
        }
        if points.isEmpty && excluded > 0 { problems.append("exclude: leaves out every combination (\(excluded)); nothing would run") }
        if !problems.isEmpty { throw ConfigError(path: spec.path, problems: SweepPlan.unique(problems)) }
        do {
            (self.points, self.dropped) = try SweepPlan.constrain(points, spec: spec)
            self.dropped += excluded
        } catch let error as ConfigError where error.path != spec.path {
            // The area model's problems (an energy table without an area, a PE with no synthesized count).
            throw ConfigError(path: spec.path, problems: error.problems.map { "constraints: \(error.path): \($0)" })
        }
    }

    /// One combination of one architecture as a point, or nil with its problems noted, each
    /// attributed to the spec's key and the point.
    private static func point(index: Int, of name: String, file: String, base: [String: Any], choices: [Int], spec: SweepSpec,
                              models: [String: (ModelConfig, String)], energies: [String: (EnergyTable, String)],
                              problems: inout [String]) -> SweepPoint? {
        var tree = base
        var fields = [String: Any]()
        var settings = [(axis: String, text: String)]()
        var workload = [String: String]()
        var values = [String: SweepSpec.Value]()
        for (axis, choice) in zip(spec.axes, choices) {
            let value = axis.values[choice]
            settings.append((axis.name, value.text))
            values[axis.name] = value
            if axis.isWorkload {
                workload[axis.name] = value.text
            } else {
                fields[axis.name] = value.value
                if let problem = SweepPlan.set(value.value, at: axis.name.split(separator: ".").map(String.init), in: &tree) {
                    problems.append("\(axis.field): \(problem)")
                }
            }
        }
        let place = ([name] + settings.map { "\($0.axis)=\($0.text)" }).joined(separator: " ")
        do {
            var config = try ArchitectureConfig.parse(tree: tree, path: file)
            config.sourcePath = file
            if let standard = workload["dram_standard"], let (technology, channels) = SweepPlan.dramStandard(standard) {
                config = try config.withDRAM(technology: technology, channels: channels)
            }
            let (request, energy, identity) = try SweepPlan.workloadInputs(values: values, workload: workload, tree: tree,
                                                                            models: models, energies: energies)
            return SweepPoint(index: index, architectureName: name, settings: settings, fieldsJSON: Canonical.json(fields),
                              architecture: config, request: request, energy: energy, workload: workload, key: Canonical.digest(identity))
        } catch let error as ConfigError {
            problems += error.problems.map { "\(SweepPlan.attribute($0, axes: spec.axes)) (\(place); \(error.path))" }
        } catch let error as WorkloadError {
            problems += error.problems.map { "workload: \($0) (\(place))" }
        } catch {
            problems.append("\(error) (\(place))")
        }
        return nil
    }

    /// The files a spec names (architectures, models, energy tables), each read once, and the
    /// settings checked on their own; every problem, attributed to the spec's key.
    private static func readFiles(_ spec: SweepSpec, resolve: Resolver)
        -> (trees: [String: (path: String, tree: [String: Any])], models: [String: (ModelConfig, String)],
            energies: [String: (EnergyTable, String)], problems: [String]) {
        var problems = [String]()
        func path(_ name: String, kind: String, ext: String) throws -> String {
            if name.contains("/") || name.hasSuffix(".\(ext)") {
                return name.hasPrefix("/") ? name : URL(fileURLWithPath: spec.folder).appendingPathComponent(name).standardized.path
            }
            return try resolve(name, kind)
        }
        // Each file read once, its problems reported once.
        var trees = [String: (path: String, tree: [String: Any])]()
        for architecture in spec.architectures {
            let name = architecture.value as! String
            do {
                let file = try path(name, kind: "arch", ext: "yaml")
                trees[name] = (file, try ArchitectureConfig.tree(path: file))
            } catch {
                problems.append("architectures: \(name): \(error)")
            }
        }
        var models = [String: (ModelConfig, String)](), energies = [String: (EnergyTable, String)]()
        for axis in spec.axes {
            for value in axis.values {
                do {
                    switch axis.name {
                    case "model":
                        guard let name = value.value as? String else { throw SweepError("expected a bundled model name or a config.json path") }
                        let file = try path(name, kind: "models", ext: "json")
                        models[value.text] = (try ModelConfig.load(path: file), try String(contentsOfFile: file, encoding: .utf8))
                    case "energy":
                        guard let name = value.value as? String else { throw SweepError("expected a bundled node (28nm, 45nm) or a YAML path") }
                        let file = try path(name, kind: "energy", ext: "yaml")
                        energies[value.text] = (try EnergyTable.load(path: file), try String(contentsOfFile: file, encoding: .utf8))
                    default:
                        if let check = SweepPlan.settingChecks[axis.name], !check.accepts(value.value) { throw SweepError(check.expected) }
                    }
                } catch {
                    problems.append("\(axis.field): \(value.text): \(error)")
                }
            }
        }
        return (trees, models, energies, problems)
    }

    /// A point's workload request, its priced energy table and the text its key digests.
    private static func workloadInputs(values: [String: SweepSpec.Value], workload: [String: String], tree: [String: Any],
                                       models: [String: (ModelConfig, String)], energies: [String: (EnergyTable, String)]) throws
        -> (WorkloadRequest, EnergyTable, String) {
        let (model, modelText) = models[workload["model"]!]!
        let (table, energyText) = energies[workload["energy"]!]!
        let energy = try table.withPEAreas(EnergyTable.PEAreaSource(rawValue: workload["pe_area"]!)!, label: workload["energy"]!)
        var request = WorkloadRequest(model: model, batch: values["batch"]!.value as! Int, promptLength: values["prompt"]!.value as! Int,
                                      generatedTokens: values["tokens"]!.value as! Int,
                                      phases: Phase.selection(workload["phase"]!)!, seed: UInt64(values["seed"]!.value as! Int),
                                      fidelity: Fidelity(rawValue: workload["fidelity"]!)!)
        request.confirmsLongRuns = false
        try request.validate()
        let identity = [
            "mantsim \(mantsimVersion)", "architecture \(Canonical.json(tree))", "dram_standard \(workload["dram_standard"] ?? "-")",
            "model \(modelText)", "energy \(energyText)", "pe_area \(workload["pe_area"]!)",
            "workload \(workload["phase"]!) batch \(request.batch) prompt \(request.promptLength) tokens \(request.generatedTokens) seed \(request.seed) fidelity \(request.fidelity.rawValue)",
        ].joined(separator: "\n")
        return (request, energy, identity)
    }

    /// The workload settings whose values are checked on their own: what each accepts, and what
    /// the spec is told when a value is not that. (model and energy name files, read above.)
    static let settingChecks: [String: (accepts: (Any) -> Bool, expected: String)] = [
        "phase": ({ ($0 as? String).flatMap(Phase.selection) != nil }, "expected prefill, decode or both"),
        "batch": ({ ($0 as? Int).map(WorkloadRequest.Rule.batch.contains) ?? false },
                  "expected a positive whole number, at most \(WorkloadRequest.Rule.batch.upperBound)"),
        "prompt": ({ ($0 as? Int).map(WorkloadRequest.Rule.prompt.contains) ?? false }, "expected a positive whole number"),
        "tokens": ({ ($0 as? Int).map(WorkloadRequest.Rule.tokens.contains) ?? false },
                   "expected a whole number of generated tokens (at least 1 when the phase has decode)"),
        "seed": ({ ($0 as? Int).map { $0 >= 0 } ?? false }, "expected a whole number from 0"),
        "pe_area": ({ ($0 as? String).flatMap(EnergyTable.PEAreaSource.init(rawValue:)) != nil }, "expected composed or synthesized"),
        "fidelity": ({ ($0 as? String).flatMap(Fidelity.init(rawValue:)) != nil }, "expected fast or cycle"),
        "dram_standard": ({ ($0 as? String).flatMap(SweepPlan.dramStandard) != nil }, "expected a DRAM part and channels such as ddr4x2, lpddr4x1 or hbm2x2"),
    ]

    /// Iso-area resizing against the baseline at the same axis values, then the area cap.
    private static func constrain(_ points: [SweepPoint], spec: SweepSpec) throws -> ([SweepPoint], Int) {
        var points = points
        let constraints = spec.constraints
        var problems = [String]()
        if constraints.iso != "pe", let baseline = constraints.baseline {
            let components = constraints.iso == "area" ? AreaModel.core : nil
            var budgets = [String: Double]()
            for point in points where point.architectureName == baseline {
                let model = try AreaModel(table: point.energy)
                budgets[settingsKey(point)] = try model.area(of: point.architecture, components: components,
                                                             headDimension: point.request.model.headDimension)
            }
            for index in points.indices where points[index].architectureName != baseline {
                let point = points[index]
                let budget = budgets[settingsKey(point)]!
                let model = try AreaModel(table: point.energy)
                guard let resized = try model.resized(point.architecture, toArea: budget, components: components,
                                                      headDimension: point.request.model.headDimension) else {
                    problems.append("constraints.iso: \(point.architectureName) does not fit \(String(format: "%.3f", budget)) mm^2 even as a 2 x 2 array")
                    continue
                }
                points[index].architecture = resized
                points[index].key = Canonical.digest(point.key + "\niso \(constraints.iso) \(resized.array.rows)x\(resized.array.columns)")
            }
        }
        if !problems.isEmpty { throw ConfigError(path: spec.path, problems: unique(problems)) }
        guard let cap = constraints.maxArea else { return (points, 0) }
        var kept = [SweepPoint](), smallest = Double.infinity
        for point in points {
            let model = try AreaModel(table: point.energy)
            let area = try model.area(of: point.architecture, components: constraints.areaScope == "core" ? AreaModel.core : nil,
                                      headDimension: point.request.model.headDimension)
            smallest = min(smallest, area)
            if area <= cap { kept.append(point) }
        }
        if kept.isEmpty {
            throw ConfigError(path: spec.path, problems: [
                "constraints.max_area_mm2: no point satisfies \(cap) mm^2 (\(constraints.areaScope) area; the smallest point has \(String(format: "%.3f", smallest)))",
            ])
        }
        for index in kept.indices { kept[index].index = index }
        return (kept, points.count - kept.count)
    }

    private static func settingsKey(_ point: SweepPoint) -> String { point.settings.map { "\($0.axis)=\($0.text)" }.joined(separator: "\u{1}") }

    /// Sets `value` at a key path of a YAML tree, making mappings on the way.
    static func set(_ value: Any, at path: [String], in tree: inout [String: Any]) -> String? {
        guard let key = path.first else { return "empty field path" }
        if path.count == 1 {
            tree[key] = value
            return nil
        }
        var child: [String: Any]
        switch tree[key] {
        case nil: child = [:]
        case let mapping as [String: Any]: child = mapping
        case let other?: return "\(key) is \(other) in the architecture file, not a mapping with fields"
        }
        let problem = set(value, at: Array(path.dropFirst()), in: &child)
        tree[key] = child
        return problem
    }

    /// An architecture file's problem as the spec's: "axes.array.rows: ..." when it is about a
    /// field an axis sets (or a key on its path).
    static func attribute(_ problem: String, axes: [SweepSpec.Axis]) -> String {
        for axis in axes where !axis.isWorkload {
            let parts = axis.name.split(separator: ".").map(String.init)
            for length in stride(from: parts.count, through: 1, by: -1) {
                let prefix = parts.prefix(length).joined(separator: ".")
                if problem.hasPrefix(prefix + ":") || problem.hasPrefix(prefix + ".") && length == parts.count {
                    return "\(axis.field): \(problem)"
                }
            }
        }
        return problem
    }

    static func unique(_ problems: [String]) -> [String] {
        var seen = Set<String>()
        return problems.filter { seen.insert($0).inserted }
    }

    /// "hbm2x2" as (hbm2, 2).
    public static func dramStandard(_ text: String) -> (String, Int)? {
        let parts = text.lowercased().split(separator: "x", maxSplits: 1)
        guard parts.count == 2, let channels = Int(parts[1]), (1...1024).contains(channels),
              DRAMTiming(technology: String(parts[0]), channels: channels) != nil else { return nil }
        return (String(parts[0]), channels)
    }
}

public struct SweepError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Deterministic text of YAML values and digests of it.
enum Canonical {
    /// JSON with sorted keys; values YAML builds that JSON lacks (dates, binary) as their text.
    static func json(_ value: Any) -> String {
        switch value {
        case let mapping as [String: Any]:
            return "{" + mapping.keys.sorted().map { "\(string($0)):\(json(mapping[$0]!))" }.joined(separator: ",") + "}"
        case let list as [Any]: return "[" + list.map(json).joined(separator: ",") + "]"
        case let flag as Bool: return flag ? "true" : "false"
        case let number as Int: return "\(number)"
        case let number as Double: return number.isFinite ? "\(number)" : string("\(number)")
        case let text as String: return string(text)
        case is NSNull: return "null"
        default: return string("\(value)")
        }
    }

    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// 128 bits of FNV-1a (two bases) as hex: an identity for configurations, not a security hash.
    static func digest(_ text: String) -> String {
        var low = FNV1a(), high = FNV1a(basis: 0x9E37_79B9_7F4A_7C15)
        low.add(text.utf8)
        high.add(text.utf8)
        return String(format: "%016llx%016llx", high.value, low.value)
    }
}

extension SweepPlan {
    /// Each point's workload on its architecture, checked as `run` checks it (the request, head
    /// dimensions against KV groups, formats against PEs); every problem at once.
    /// `mapping`: also plan every operator on the array (quantizing each point's synthetic
    /// operands, about as long as running the point); without it, a GEMM that does not fit its
    /// buffers is found when the point runs and recorded as a failed point.
    public func check(rtl: RTLModel, mapping: Bool) throws {
        var problems = [String]()
        for point in points {
            do {
                let runner = try WorkloadRunner(architecture: point.architecture, energy: point.energy, rtl: rtl)
                try mapping ? runner.check(point.request) : runner.checkWithoutMapping(point.request)
                // The area every result reports: a PE the area source cannot price is found now.
                if !point.energy.areas.isEmpty {
                    _ = try AreaModel(table: point.energy).area(of: point.architecture, headDimension: point.request.model.headDimension)
                }
            } catch let error as WorkloadError {
                problems += error.problems.map { "\($0) (\(point.label(varying: varying.union(["architecture"]))))" }
            } catch {
                problems.append("\(error) (\(point.label(varying: varying.union(["architecture"]))))")
            }
        }
        if !problems.isEmpty { throw ConfigError(path: spec.path, problems: SweepPlan.unique(problems)) }
    }

    /// The points of chunk `part` of `parts` (1-based): every parts-th point, so that each chunk
    /// gets a share of every architecture.
    public func chunk(_ part: Int, of parts: Int) -> [SweepPoint] {
        points.filter { $0.index % parts == part - 1 }
    }
}
