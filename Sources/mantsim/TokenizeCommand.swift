import ArgumentParser
import Foundation
import MantModels
import MantTensorIO

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Token ids of a text under a model's own tokenizer (GGUF keys or tokenizer.json).",
        discussion: """
        Byte-level BPE as GPT-2, SmolLM (digits split one by one) and LLaMA-3 use it, or SentencePiece-style BPE with byte fallback (LLaMA-2's tokenizer.json). Control tokens are kept whole; no BOS is added. --output writes the ids as a 1-D int64 .npy, which `mantsim perplexity --tokens` reads back.

        Examples:
          mantsim tokenize --text notes.txt
          mantsim tokenize --text notes.txt --output ids.npy
          mantsim tokenize --text notes.txt --json --decode
          mantsim tokenize --tokenizer path/to/tokenizer.json --text notes.txt
        """
    )

    @OptionGroup var source: LanguageModelOptions

    @Option(help: ArgumentHelp("A tokenizer.json to use instead of the model's own tokenizer.", valueName: "file.json"))
    var tokenizer: String?

    @Option(help: ArgumentHelp("Write the ids to this .npy file instead of printing them.", valueName: "file.npy"))
    var output: String?

    @Flag(help: "Print the ids as a JSON array.")
    var json = false

    @Flag(help: "Also decode the ids and say whether the text comes back byte for byte.")
    var decode = false

    func validate() throws {
        if let output {
            let inputs = [source.modelFile, source.text, tokenizer].compactMap { $0 }
            do { try OutputFile.check(output, notOverwriting: inputs) } catch { throw ValidationError("--output \(error)") }
        }
    }

    func run() throws {
        let string = try source.readText().string
        let tokenizer = try self.tokenizer.map { try BPETokenizer.load(tokenizerJSON: $0) } ?? source.checkpoint().tokenizer()
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
