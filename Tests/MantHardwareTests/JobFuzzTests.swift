import Foundation
import XCTest
import CMantSimRTL
import MantNumerics
@testable import MantHardware

/// The C API's GEMM job and array config with every field the caller may get wrong mutated
/// (types, widths, group sizes, dataflow, fidelity, row period, payload, VQ layout, buffers, ports,
/// link, DRAM timing), on buffers as long as any value of those fields can ask for: every job must
/// end in a status, never a signal. The sizes M, K, N stay within the buffers (the C API cannot see
/// a buffer's length; that part of its contract is the caller's). `make test` runs
/// MANTSIM_FUZZ_INPUTS (default 3000) jobs; `make fuzz` 100,000. MANTSIM_FUZZ_TRACE=1 prints each
/// job before it runs, to find the one that hangs or crashes.
final class JobFuzzTests: XCTestCase {
    func testMutatedJobsAndArraysEndInAStatus() throws {
        let count = Int(ProcessInfo.processInfo.environment["MANTSIM_FUZZ_INPUTS"] ?? "") ?? 3000
        var random = SeededGenerator(seed: UInt64(ProcessInfo.processInfo.environment["MANTSIM_FUZZ_SEED"] ?? "") ?? 2025)
        func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        func value(_ usual: [UInt32]) -> UInt32 {
            random.next() % 24 == 0 ? pick([0, 1, 2, 3, 7, 16, 33, 255, 65535, 1 << 20, UInt32(Int32.max), UInt32.max]) : pick(usual)
        }
        let model = try RTLModel.fresh()
        // Buffers for M, K, N up to 48 and anything the other fields can ask of them: a group of one
        // weight (one scale per weight), two VQ stages of vectors of one, a 2^16-entry table.
        let side = 48, cells = side * side
        let codes = [UInt16]((0..<(cells * 2)).map { UInt16(truncatingIfNeeded: $0 &* 2654435761) })
        let scales = [UInt16](repeating: 0x3C00, count: cells), selectors = [UInt8]((0..<cells).map { UInt8($0 % 4) })
        let activations = [Int8]((0..<cells).map { Int8(truncatingIfNeeded: $0 &* 31) })
        let halves = [UInt16](repeating: 0x3C00, count: cells), tokenScales = [UInt16](repeating: 0x2000, count: side)
        let payload = [UInt16](repeating: 0x3800, count: 1 << 17)
        // The integer kinds' decode tables as their formats define them, sent most of the time so
        // that their decoders are reached (a job without its table is refused at once).
        let tables: [UInt32: [UInt16]] = try [
            MANTSIM_PE_ANT.rawValue: ANTFormat().decodeTable, MANTSIM_PE_OLIVE.rawValue: OliVeFormat().decodeTable,
            MANTSIM_PE_MXFP4.rawValue: MXFP4Format().decodeTable, MANTSIM_PE_MANT.rawValue: MANTFormat(bits: 4).decodeTable,
        ].mapValues { $0.map { UInt16(bitPattern: $0) } }
        var output = [Float](repeating: 0, count: cells)
        var statuses = [UInt32: Int](), internals = Set<String>()
        for _ in 0..<count {
            var config = mantsim_array_config()
            config.rows = value([4, 8, 16]); config.columns = value([4, 8, 16])
            config.pe_type = mantsim_pe_type(rawValue: value((0..<mantsim_pe_type_count()).map { $0 }))
            config.weight_buffer.bytes = UInt64(value([4096, 65536, 131072])); config.activation_buffer.bytes = UInt64(value([4096, 262144]))
            config.output_buffer.bytes = UInt64(value([4096, 131072]))
            (config.weight_buffer.banks, config.weight_buffer.bank_bits) = (value([8, 32]), value([32, 64]))
            (config.activation_buffer.banks, config.activation_buffer.bank_bits) = (value([8, 32]), value([16, 64]))
            (config.output_buffer.banks, config.output_buffer.bank_bits) = (value([8, 32]), value([128]))
            (config.dram.bits_per_cycle, config.dram.latency_cycles) = (value([64, 1024]), value([0, 100]))
            if random.next() % 8 == 0 {
                config.dram.timing = mantsim_dram_timing(channels: value([1, 2]), banks: value([8, 16]), bus_bits: value([64, 128]), burst_length: value([4, 8]),
                                                         row_bytes: value([1024, 8192]), tck_ps: value([625, 1000]), cl: value([14, 22]), trcd: value([14, 22]),
                                                         trp: value([14, 22]), cycle_ps: value([2000]))
            }
            (config.weight_link_bits, config.weight_sets) = (value([64, 256]), value([2, 3]))
            (config.timing, config.mapping) = (mantsim_timing(rawValue: value([0, 1])), mantsim_mapping(rawValue: value([0, 1])))
            config.vq = mantsim_vq_decoder(codebook_bytes: UInt64(value([4096, 524288])), codebook_banks: value([1, 16]),
                                           hot_entries: value([0, 16]), hot_ports: value([1, 4]), lanes: value([1, 16]))
            config.lut_scale = mantsim_lut_scale(rawValue: value([0, 1]))
            let (m, k, n) = (Int(random.next() % 8) + 1, Int(random.next() % UInt64(side)) + 1, Int(random.next() % UInt64(side)) + 1)
            var job = mantsim_gemm_job()
            (job.m, job.k, job.n) = (UInt32(m), UInt32(k), UInt32(n))
            job.dataflow = mantsim_dataflow(rawValue: value([0, 1]))
            job.group_size = value([8, 16, UInt32(k)]); job.weight_bits = value([2, 3, 4, 8, 16])
            job.metadata_bits = value([16, 18, 20]); job.activation_bits = value([4, 8, 16])
            job.fidelity = mantsim_fidelity(rawValue: value([0, 1]))
            job.weight_row_period = value([0, UInt32(n), 1])
            job.decoder_payload_values = min(value([16, 256, 4096]), UInt32(payload.count))
            job.vq = mantsim_vq_layout(vector_length: value([1, 2, 4, 8]), stages: value([1, 2]), scope: mantsim_vq_scope(rawValue: value([0, 1, 2])),
                                       scope_size: value([0, 8, 16]), axis: mantsim_vq_axis(rawValue: value([0, 1])))
            if ProcessInfo.processInfo.environment["MANTSIM_FUZZ_TRACE"] != nil {
                FileHandle.standardError.write(Data("job: config \(config.rows)x\(config.columns) pe \(config.pe_type.rawValue) link \(config.weight_link_bits) dram \(config.dram.bits_per_cycle)/\(config.dram.latency_cycles) ch \(config.dram.timing.channels) bufs \(config.weight_buffer.bytes)/\(config.activation_buffer.bytes)/\(config.output_buffer.bytes) job \(m)x\(k)x\(n) fid \(job.fidelity.rawValue) df \(job.dataflow.rawValue) wb \(job.weight_bits) g \(job.group_size) period \(job.weight_row_period)\n".utf8))
            }
            let status = codes.withUnsafeBufferPointer { c in scales.withUnsafeBufferPointer { s in selectors.withUnsafeBufferPointer { g in
                activations.withUnsafeBufferPointer { a in halves.withUnsafeBufferPointer { h in tokenScales.withUnsafeBufferPointer { t in
                    payload.withUnsafeBufferPointer { p in output.withUnsafeMutableBufferPointer { o -> mantsim_status in
                        (job.weight_codes, job.group_scales, job.group_selectors) = (c.baseAddress, s.baseAddress, g.baseAddress)
                        (job.activations, job.activation_fp16, job.activation_scales) = (a.baseAddress, h.baseAddress, t.baseAddress)
                        (job.decoder_payload, job.output) = (p.baseAddress, o.baseAddress)
                        if let table = tables[config.pe_type.rawValue], random.next() % 4 != 0 {
                            return table.withUnsafeBufferPointer { t in
                                (job.decoder_payload, job.decoder_payload_values) = (t.baseAddress, UInt32(t.count))
                                var result = mantsim_gemm_result()
                                return random.next() % 2 == 0 ? mantsim_rtl_plan_gemm(model.handle, &config, &job, &result)
                                                              : mantsim_rtl_run_gemm(model.handle, &config, &job, &result)
                            }
                        }
                        var result = mantsim_gemm_result()
                        return random.next() % 2 == 0 ? mantsim_rtl_plan_gemm(model.handle, &config, &job, &result)
                                                      : mantsim_rtl_run_gemm(model.handle, &config, &job, &result)
                    } } } } } } } }
            statuses[status.rawValue, default: 0] += 1
            if status == MANTSIM_E_INTERNAL { internals.insert(String(cString: mantsim_rtl_last_error(model.handle))) }
        }
        // Both outcomes occur: the mutations reach the checks and also get past them.
        XCTAssertGreaterThan(statuses[MANTSIM_OK.rawValue] ?? 0, 0)
        XCTAssertGreaterThan(statuses[MANTSIM_E_INVALID_ARGUMENT.rawValue] ?? 0, 0)
        for message in internals.sorted() { print("internal: \(message)") }
        print("job fuzz: \(count) jobs; statuses \(statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))")
    }

    /// What the fuzzer found, kept: each was a SIGFPE or a hang, now a refusal naming the field.
    func testJobsTheFuzzerBrokeAreRefusedNamingTheField() throws {
        let model = try RTLModel.fresh()
        let activations = try SyntheticTensor.llmLike(rows: 2, columns: 16, seed: 2)
        let fp16 = try GemmOperands(weights: try FormatCatalog.parse("fp16").makeFormat().quantize(try SyntheticTensor.llmLike(rows: 8, columns: 16, seed: 1)),
                                    activations: activations)
        let vq = try GemmOperands(weights: try FormatCatalog.parse("vq-2-4-1").makeFormat().quantize(try SyntheticTensor.llmLike(rows: 8, columns: 16, seed: 1)),
                                  activations: activations)
        let cases: [(GemmOperands, PEType, String, (inout mantsim_array_config, inout mantsim_gemm_job) -> Void)] = [
            (fp16, .fp16, "job.activation_bits", { $1.activation_bits = 0 }),
            (fp16, .fp16, "job.group_size", { $1.group_size = 0 }),
            (vq, .vq, "job.vq.vector_length", { $1.vq.vector_length = 0 }),
            (vq, .vq, "job.vq.scope_size", { $1.vq.scope = MANTSIM_VQ_SCOPE_TILE; $1.vq.scope_size = 0 }),
            (fp16, .fp16, "dram.latency_cycles", { config, _ in config.dram.latency_cycles = UInt32(Int32.max) }),
        ]
        for (operands, pe, field, mutate) in cases {
            var config = ArrayConfig(peType: pe, rows: 8, columns: 8).cConfig
            let (status, _) = operands.withCJob(dataflow: .weightStationary) { job in
                mutate(&config, &job)
                var result = mantsim_gemm_result()
                return mantsim_rtl_run_gemm(model.handle, &config, &job, &result)
            }
            XCTAssertEqual(status, MANTSIM_E_INVALID_ARGUMENT, field)
            XCTAssertTrue(String(cString: mantsim_rtl_last_error(model.handle)).contains(field), String(cString: mantsim_rtl_last_error(model.handle)))
        }
    }

    /// ANT, OliVe and MXFP4 arrays decode with their format's table from MantNumerics, sent in every
    /// job's payload: the model keeps no copy, so a job without it, or with an entry no PE could
    /// multiply, is refused naming the payload.
    func testIntegerArraysDecodeWithTheFormatsTableFromThePayload() throws {
        let model = try RTLModel.fresh()
        let oversized = UnsafeMutablePointer<UInt16>.allocate(capacity: 36)
        oversized.initialize(repeating: 200, count: 36)
        defer { oversized.deallocate() }
        let weights = try SyntheticTensor.llmLike(rows: 8, columns: 32, seed: 3), activations = try SyntheticTensor.llmLike(rows: 2, columns: 32, seed: 4)
        for (name, pe, entries) in [("ant4", PEType.ant, 36), ("olive4", .olive, 8), ("mxfp4", .mxfp4, 8)] {
            let operands = try GemmOperands(weights: try FormatCatalog.parse(name).makeFormat().quantize(weights), activations: activations)
            XCTAssertEqual(operands.decoderPayload.count, entries, name)
            let config = ArrayConfig(peType: pe, rows: 8, columns: 8)
            let result = try model.run(operands, on: config, dataflow: .weightStationary)
            XCTAssertEqual(result.output.map(\.bitPattern), try GemmReference.run(operands).map(\.bitPattern), name)
            for (mutate, expected) in [({ (job: inout mantsim_gemm_job) in job.decoder_payload_values = 0 }, "format's table of \(entries) entries"),
                                       ({ (job: inout mantsim_gemm_job) in job.decoder_payload = UnsafePointer(oversized) }, "above 127")] {
                var cConfig = config.cConfig
                let (status, _) = operands.withCJob(dataflow: .weightStationary) { job in
                    mutate(&job)
                    var result = mantsim_gemm_result()
                    return mantsim_rtl_run_gemm(model.handle, &cConfig, &job, &result)
                }
                XCTAssertEqual(status, MANTSIM_E_INVALID_ARGUMENT, name)
                let message = String(cString: mantsim_rtl_last_error(model.handle))
                XCTAssertTrue(message.contains("job.decoder_payload") && message.contains(expected), "\(name): \(message)")
            }
        }
    }

    /// The KV engine builds its M-ANT grids from the coefficients each job carries (MANTFormat's):
    /// without them a job is refused naming them.
    func testTheKVEngineTakesItsGridsFromTheJob() throws {
        let model = try RTLModel.fresh()
        var config = mantsim_kv_config_default()
        var job = mantsim_kv_job()
        var result = mantsim_kv_result()
        XCTAssertEqual(mantsim_rtl_run_kv(model.handle, &config, &job, &result), MANTSIM_E_INVALID_ARGUMENT)
        XCTAssertTrue(String(cString: mantsim_rtl_last_error(model.handle)).contains("kv.mant_coefficients"))
        let coefficients = MANTFormat.coefficients.map { UInt16($0) }
        let status = coefficients.withUnsafeBufferPointer { buffer in
            job.mant_coefficients = buffer.baseAddress
            job.mant_coefficient_count = UInt32(buffer.count)
            return mantsim_rtl_run_kv(model.handle, &config, &job, &result)
        }
        XCTAssertEqual(status, MANTSIM_OK, String(cString: mantsim_rtl_last_error(model.handle)))
    }
}
