import RosterKit
import RosterSystem
import Testing

extension RosterKitTests {
    /// Reading discovery.json as DESIGN §2 shapes it.
    @Suite struct DiscoveryTests {
        static let document = """
            {"stack": "foobar", "domain": "foobar.com", "generation": 42,
             "roles": {
              "db-primary": {"instances": [
                {"id": "db-primary/0", "address": "127.77.0.1", "ports": {"mysql": 3306}, "state": "ready",
                 "pid": 4100, "since": "2026-11-26T14:59:00Z"}]},
              "app": {"instances": [
                {"id": "app/0", "address": "127.77.1.1", "ports": {"http": 8000}, "state": "ready", "pid": 4242,
                 "since": "2026-11-26T15:00:00Z"},
                {"id": "app/1", "address": "127.77.1.2", "ports": {"http": 8000}, "state": "starting", "pid": 4243,
                 "since": "2026-11-26T15:00:01Z"},
                {"id": "app/2", "address": "127.77.1.3", "ports": {"http": 8000}, "state": "reloading", "pid": 4244,
                 "since": "2026-11-26T15:00:02Z"},
                {"id": "app/3", "address": "127.77.1.4", "ports": {"http": 8000}, "state": "down", "pid": null,
                 "since": "2026-11-26T15:00:03Z"},
                {"id": "app/4", "address": "127.77.1.5", "ports": {"http": 8000}, "state": "ready", "pid": 4246,
                 "since": "2026-11-26T15:00:04Z"}]}}}
            """

        func decoded() throws -> Discovery { try Discovery.decode(Array(Self.document.utf8)) }

        @Test("A document shaped as DESIGN §2 decodes with every field")
        func decodesTheDocument() throws {
            let discovery = try decoded()
            #expect(discovery.stack == "foobar")
            #expect(discovery.domain == "foobar.com")
            #expect(discovery.generation == 42)
            #expect(discovery.roles.keys.sorted() == ["app", "db-primary"])
            let db = try #require(discovery.roles["db-primary"]?.instances.first)
            #expect(db.id == "db-primary/0")
            #expect(db.address == "127.77.0.1")
            #expect(db.ports == ["mysql": 3306])
            #expect(db.state == "ready")
            #expect(db.pid == 4100)
            #expect(db.since == "2026-11-26T14:59:00Z")
            #expect(discovery.roles["app"]?.instances[3].pid == nil)
        }

        @Test("ready(role) keeps the ready and reloading instances, in the file's order")
        func readyFiltersAndKeepsOrder() throws {
            #expect(try decoded().ready("app").map(\.id) == ["app/0", "app/2", "app/4"])
        }

        @Test("ready(role) of a role that is not in the stack is empty")
        func readyOfUnknownRoleIsEmpty() throws {
            #expect(try decoded().ready("cache").isEmpty)
        }

        @Test("endpoint(port) is address:port, and nil for a port the instance does not have")
        func endpointJoinsAddressAndPort() throws {
            let app0 = try #require(try decoded().ready("app").first)
            #expect(app0.endpoint("http") == "127.77.1.1:8000")
            #expect(app0.endpoint("https") == nil)
        }

        @Test("A malformed document is a temporary failure (111) naming the file")
        func malformedIsTemporary() {
            let error = #expect(throws: PluginError.self) {
                try Discovery.decode(Array(#"{"stack": "foobar", "roles": "#.utf8), path: "/x/discovery.json")
            }
            #expect(error?.exitCode == 111)
            #expect(error?.message.contains("/x/discovery.json") == true)
        }

        @Test("load reads the document from its file")
        func loadReadsTheFile() throws {
            let directory = try TemporaryDirectory()
            try Files.writeAtomically(directory.path + "/discovery.json", Self.document)
            #expect(try Discovery.load(directory.path + "/discovery.json") == decoded())
        }

        @Test("load of a missing file is a temporary failure (111) naming the file")
        func missingFileIsTemporary() throws {
            let directory = try TemporaryDirectory()
            let error = #expect(throws: PluginError.self) { try Discovery.load(directory.path + "/discovery.json") }
            #expect(error?.exitCode == 111)
            #expect(error?.message.contains(directory.path + "/discovery.json") == true)
        }
    }
}
