import Glibc
import RosterKit
import RosterSystem
import Testing

extension RosterKitTests {
    /// A configuration file replaced only by a candidate that a check command accepted.
    @Suite struct ConfigFileTests {
        /// Accepts a candidate that contains "good" (`{}` is the candidate's path).
        static var check: (String) throws(PluginError) -> String? { ConfigFile.commandCheck(["sh", "-c", "grep -q good \"$0\"", "{}"]) }

        @Test("A candidate the check accepts is installed, with its text and mode, and no candidate file remains")
        func acceptedCandidateIsInstalled() throws {
            let directory = try TemporaryDirectory()
            let file = ConfigFile(path: directory.path + "/daemon.conf")
            #expect(try file.install("good = yes\n", check: Self.check) == .installed)
            #expect(Files.read(file.path) == "good = yes\n")
            var info = stat()
            #expect(stat(file.path, &info) == 0 && info.st_mode & 0o777 == 0o600)
            #expect(!Files.exists(file.path + ".candidate"))
        }

        @Test("Proposing the installed text again changes nothing")
        func sameTextIsUnchanged() throws {
            let directory = try TemporaryDirectory()
            let file = ConfigFile(path: directory.path + "/daemon.conf")
            _ = try file.install("good = yes\n", check: Self.check)
            #expect(try file.install("good = yes\n", check: Self.check) == .unchanged)
            #expect(Files.read(file.path) == "good = yes\n")
        }

        @Test("A candidate the check refuses is a permanent failure (100) and the installed file is untouched")
        func refusedCandidateKeepsTheRunningFile() throws {
            let directory = try TemporaryDirectory()
            let file = ConfigFile(path: directory.path + "/daemon.conf")
            _ = try file.install("good = yes\n", check: Self.check)
            let error = #expect(throws: PluginError.self) { try file.install("bad = yes\n", check: Self.check) }
            #expect(error?.exitCode == 100)
            #expect(error?.message.contains("rejected") == true)
            #expect(error?.message.contains("sh exited with 1") == true)
            #expect(Files.read(file.path) == "good = yes\n")
        }

        @Test("The refusal quotes the check's last line of output")
        func refusalQuotesTheChecker() throws {
            let directory = try TemporaryDirectory()
            let file = ConfigFile(path: directory.path + "/daemon.conf")
            let check = ConfigFile.commandCheck(["sh", "-c", "echo checking; echo \"line 3: unknown directive in $0\"; exit 1", "{}"])
            let error = #expect(throws: PluginError.self) { try file.install("bad = yes\n", check: check) }
            #expect(error?.message.hasSuffix("line 3: unknown directive in \(file.path).candidate") == true)
            #expect(!Files.exists(file.path))
        }
    }
}
