// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "MantSim",
    products: [
        .executable(name: "mantsim", targets: ["mantsim"]),
        .library(name: "MantNumerics", targets: ["MantNumerics"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // The SystemC model of the accelerator, seen by Swift only through a C header.
        .target(
            name: "CMantSimRTL",
            path: "RTLModels",
            sources: ["src"],
            publicHeadersPath: "include",
            // The model is stepped millions of times per job: optimise it in debug builds too.
            // Sources by concept under src/ (api, control, array, kinds, memory, kv, trace, common),
            // included by their path from src/.
            cxxSettings: [.headerSearchPath("src"), .unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("systemc")]
        ),
        // Reference numerics: every weight and activation format, bit-exact. Pure Swift.
        // Quantizing a real model's 100M weights runs in tests too: optimise it in debug builds.
        .target(name: "MantNumerics", swiftSettings: [.unsafeFlags(["-O"])]),
        // Tensor files in and out: safetensors, npy, and the quantized-tensor container.
        .target(name: "MantTensorIO", dependencies: ["MantNumerics"]),
        // Safe Swift owner of the SystemC model, and the reference GEMM it must match.
        .target(name: "MantHardware", dependencies: ["CMantSimRTL", "MantNumerics"]),
        // Debian's OpenBLAS (libopenblas-dev), for the language model's matrix products.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        // Real language models: GGUF and Hugging Face checkpoints, BPE tokenizers, an FP32 LLaMA
        // forward pass and perplexity.
        .target(name: "MantModels", dependencies: ["COpenBLAS", "MantNumerics", "MantTensorIO", "MantWorkload"],
                swiftSettings: [.unsafeFlags(["-O"])]),
        // LLM workloads: model configs and the operators of prefill and decode.
        .target(name: "MantWorkload"),
        // Configuration files (architectures), validated in full before anything runs.
        .target(name: "MantConfig", dependencies: ["MantHardware", "MantNumerics", "MantWorkload", .product(name: "Yams", package: "Yams")]),
        // Workloads on architectures: operators through the array and vector unit, latency and energy.
        .target(name: "MantSimulation", dependencies: ["MantConfig", "MantHardware", "MantModels", "MantNumerics", "MantTensorIO", "MantWorkload"]),
        // Studies built on the simulation: bits-study, kv-study, vq-study.
        .target(name: "MantStudies", dependencies: ["MantConfig", "MantHardware", "MantModels", "MantNumerics", "MantWorkload", "MantSimulation"]),
        // Design-space sweeps: spec files, points, and their results in a SQLite database.
        .target(name: "MantSweep", dependencies: ["MantConfig", "MantHardware", "MantModels", "MantTensorIO", "MantWorkload", "MantSimulation",
                                                   .product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(
            name: "mantsim",
            dependencies: [
                "MantNumerics", "MantTensorIO", "MantHardware", "MantConfig", "MantWorkload", "MantSimulation", "MantStudies", "MantSweep",
                "MantModels", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "mantsim-bench",
            dependencies: ["MantNumerics", "MantTensorIO", "MantHardware", "MantConfig", "MantWorkload", "MantSimulation", "MantSweep", "MantModels"]
        ),
        .target(name: "_TestSupport", dependencies: ["MantTensorIO", "MantNumerics"], path: "Tests/_TestSupport"),
        .testTarget(name: "MantNumericsTests", dependencies: ["MantNumerics"]),
        .testTarget(name: "MantTensorIOTests", dependencies: ["MantTensorIO", "MantNumerics"]),
        .testTarget(name: "MantHardwareTests", dependencies: ["CMantSimRTL", "MantHardware", "MantNumerics", "MantConfig", "_TestSupport"],
                    exclude: ["Golden"]),
        .testTarget(name: "MantModelsTests", dependencies: ["MantModels", "MantTensorIO", "MantNumerics", "MantWorkload"]),
        .testTarget(name: "MantWorkloadTests", dependencies: ["MantWorkload"]),
        .testTarget(name: "MantConfigTests", dependencies: ["MantConfig", "MantHardware", "MantNumerics"]),
        .testTarget(name: "MantSimulationTests", dependencies: ["MantSimulation", "MantStudies", "MantConfig", "MantHardware", "MantNumerics", "MantModels",
                                                                "MantWorkload", "MantTensorIO", "MantSweep", "_TestSupport",
                                                                .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "MantSweepTests", dependencies: ["MantSweep", "MantConfig", "MantHardware", "MantModels", "MantSimulation", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "MantSimCLITests", dependencies: ["MantTensorIO", "MantNumerics", "_TestSupport"], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v5],
    cxxLanguageStandard: .cxx17
)
