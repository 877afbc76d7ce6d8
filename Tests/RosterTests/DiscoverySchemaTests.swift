import Foundation
import RosterSystem
import Testing

/// discovery.json as the supervisor writes it conforms to docs/discovery.schema.json.
@Suite(.serialized)
struct DiscoverySchemaTests {
    static var schema: String { ExamplesTests.examples + "/../docs/discovery.schema.json" }

    /// Validates JSON text against the schema with Python's jsonschema (format checks on); returns the error, if any.
    static func validate(_ document: String, stack: StackHarness) throws -> String? {
        let path = stack.directory + "/candidate.json"
        try Files.writeAtomically(path, document)
        let result = try stack.runTool("/usr/bin/env", ["python3", "-c", """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            errors = list(jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(json.load(open(sys.argv[2]))))
            print("\\n".join(f"{list(e.path)}: {e.message}" for e in errors))
            sys.exit(1 if errors else 0)
            """, Self.schema, path])
        return result.code == 0 ? nil : result.out + result.err
    }

    /// Documents captured while instances wait, start, serve, fail and stop all validate.
    @Test func realDiscoveryFilesConform() throws {
        let stack = try StackHarness([
            .init(name: "web", manifest: "ports: {http: 8080, admin: 8081}", script: Scripts.bashReady),
            .init(name: "broken", script: "#!/bin/bash\nexit 100\n"),
            .init(name: "late", manifest: "after: [broken]", script: Scripts.bashReady),
        ], roles: "  web: {instances: 3}\n  broken: {}\n  late: {}")
        try stack.up()
        var documents: [String] = []
        try stack.waitUntil("web ready and broken failed") {
            documents.append(Files.read(stack.stateDir + "/discovery.json") ?? "")
            return try stack.state("web/2") == "ready" && stack.state("broken/0") == "failed"
        }
        #expect(try stack.cli("stop", "web/1").code == 0)
        documents.append(Files.read(stack.stateDir + "/discovery.json") ?? "")
        try stack.down()
        documents.append(Files.read(stack.stateDir + "/discovery.json") ?? "")
        let states = Set(documents.flatMap { document in
            ["waiting", "starting", "ready", "down", "failed"].filter { document.contains("\"state\":\"\($0)\"") }
        })
        #expect(states.isSuperset(of: ["waiting", "ready", "down", "failed"]), "captured states: \(states)")
        for document in Set(documents) where !document.isEmpty {
            let error = try Self.validate(document, stack: stack)
            #expect(error == nil, "\(error ?? "")\n\(document)")
        }
    }

    /// The schema is strict: a document with a wrong state or an unknown field fails.
    @Test func schemaRejectsMalformedDocuments() throws {
        let stack = try StackHarness([], roles: "  {}")
        let good = #"{"stack":"t","domain":null,"generation":1,"roles":{"web":{"instances":[{"id":"web/0","address":"127.77.0.1","ports":{"http":80},"state":"ready","pid":42,"since":"2026-11-26T15:00:00.000Z"}]}}}"#
        #expect(try Self.validate(good, stack: stack) == nil)
        #expect(try Self.validate(good.replacingOccurrences(of: "\"ready\"", with: "\"sleepy\""), stack: stack) != nil)
        #expect(try Self.validate(good.replacingOccurrences(of: "\"pid\":42", with: "\"pid\":42,\"secret\":\"x\""), stack: stack) != nil)
        #expect(try Self.validate(good.replacingOccurrences(of: "127.77.0.1", with: "10.0.0.1"), stack: stack) != nil)
    }
}
