import Foundation
import RosterSystem
import Testing

/// The plugin-author examples of docs/plugins.md (examples/) run for real under Roster.
@Suite(.serialized)
struct ExamplesTests {
    /// The repository's examples/ directory.
    static var examples: String {
        var directory = Files.parent(of: Files.currentExecutable())
        while directory != "/" && !Files.exists(directory + "/examples/roster.yaml") { directory = Files.parent(of: directory) }
        return directory + "/examples"
    }

    /// The bash and the Python follower become ready, follow `backend` through discovery when it
    /// changes, and stop cleanly.
    @Test func bashAndPythonFollowersTrackTheirBackends() throws {
        let stack = try StackHarness([], roles: "  backend: {instances: 2}\n  follower-bash: {}\n  follower-python: {}")
        try FileManager.default.copyItem(atPath: Self.examples + "/roles.d", toPath: stack.directory + "/roles.d")
        try stack.up()
        for id in ["follower-bash/0", "follower-python/0"] {
            try stack.waitFor(id, "ready")
            #expect(try stack.instance(id)["status"] as? String == "following 2 backend(s)")
            #expect(stack.instanceFile(id, "upstreams.txt") == "127.77.0.1:8100\n127.77.0.2:8100")
        }
        #expect(try stack.cli("stop", "backend/1").code == 0)
        for id in ["follower-bash/0", "follower-python/0"] {
            try stack.waitUntil("\(id) follows one backend") {
                try stack.instance(id)["state"] as? String == "ready" && stack.instanceFile(id, "upstreams.txt") == "127.77.0.1:8100"
            }
            #expect(try stack.instance(id)["status"] as? String == "following 1 backend(s)")
        }
        #expect(try stack.cli("start", "backend/1").code == 0)
        try stack.waitUntil("both follow two backends again") {
            ["follower-bash/0", "follower-python/0"].allSatisfy { stack.instanceFile($0, "upstreams.txt")?.split(separator: "\n").count == 2 }
        }
        #expect(try stack.cli("stop", "follower-bash").code == 0)
        #expect(try stack.cli("stop", "follower-python").code == 0)
        // Stopped cleanly: by their own exit on SIGTERM, not by SIGKILL.
        #expect(!stack.supervisorLog.contains("follower-bash/0: pid"))
        #expect(!stack.supervisorLog.contains("follower-python/0: pid"))
        try stack.down()
    }
}
