import ArgumentParser
import Foundation
import MantModels
import MantTensorIO

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Token ids of a text under a model's own tokenizer (GGUF keys or tokenizer.json).",
        discussion: """
        Byte-level BPE as GPT-2, SmolLM (digits split one by one) and LLaMA-3 use it, or
        SentencePiece-style BPE with byte fallback (LLaMA-2's tokenizer.json). Control tokens are
        kept whole; no BOS is added. --output writes the ids as a 1-D int64 .npy, which
        `mantsim perplexity --tokens` reads back.

        Examples:
          mantsim tokenize --text notes.txt
          mantsim tokenize --text notes.txt --output ids.npy
          mantsim tokenize --text notes.txt --json --decode
          mantsim tokenize --tokenizer path/to/tokenizer.json --text notes.txt
        """
    )

    @Option(help: ArgumentHelp("A GGUF file or a Hugging Face checkpoint directory.", valueName: "path"))
    var modelFile: String = PerplexityCommand.defaultModel

    @Option(help: ArgumentHelp("A tokenizer.json to use instead of the model's own tokenizer.", valueName: "file.json"))
    var tokenizer: String?

    @Option(help: ArgumentHelp("UTF-8 text (default: \(PerplexityCommand.defaultText)).", valueName: "file"))
    var text: String?

    @Option(help: ArgumentHelp("Write the ids to this .npy file instead of printing them.", valueName: "file.npy"))
    var output: String?

    @Flag(help: "Print the ids as a JSON array.")
    var json = false

    @Flag(help: "Also decode the ids and say whether the text comes back byte for byte.")
    var decode = false

    func run() throws {
        guard tokenizer != nil || FileManager.default.fileExists(atPath: modelFile) else {
            let hint = modelFile == PerplexityCommand.defaultModel ? " (run `make model` to fetch the default model, or pass --model-file)" : ""
            throw ValidationError("--model-file: \(modelFile) does not exist\(hint)")
        }
        let path = text ?? PerplexityCommand.defaultText
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("--text: \(path) does not exist or cannot be read") }
        guard let string = String(data: data, encoding: .utf8) else { throw ValidationError("--text: \(path) is not UTF-8 text") }
        let tokenizer = try self.tokenizer.map { try BPETokenizer.load(tokenizerJSON: $0) } ?? Checkpoint(path: modelFile).tokenizer()
        let ids = tokenizer.encode(string)
        if let output {
            try NumpyFile.writeIntegers(ids, to: output)
            print("\(ids.count) tokens written to \(output)")
        } else if json {
            print("[" + ids.map(String.init).joined(separator: ",") + "]")
        } else {
            print(ids.map(String.init).joined(separator: " "))
        }
        if decode {
            let same = tokenizer.decode(ids) == string
            FileHandle.standardError.write(Data("\(ids.count) tokens; decoding gives the text back \(same ? "byte for byte" : "with differences")\n".utf8))
        }
    }
}
