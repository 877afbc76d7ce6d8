import Foundation
import RosterSystem
import Testing

/// `roster new-role` scaffolds plugins that run at once under Roster.
@Suite(.serialized)
struct NewRoleTests {
    /// The bash and Python scaffolds pass their own test (boot alone under Roster, become ready).
    @Test(arguments: ["bash", "python"])
    func scaffoldRunsUnderRoster(language: String) throws {
        let stack = try StackHarness([], roles: "  {}")
        let created = try stack.cli("new-role", "fresh", "--lang", language)
        #expect(created.code == 0, "\(created.err)")
        let test = try stack.runTool(stack.directory + "/roles.d/fresh/test.sh", [])
        #expect(test.code == 0, "\(test.out)\(test.err)")
        #expect(test.out.contains("1 passed, 0 failed"))
        let again = try stack.cli("new-role", "fresh", "--lang", language)
        #expect(again.code == 2)
        #expect(again.err.contains("already exists"))
    }

    /// The Swift scaffold is a package whose manifest links RosterKit from this checkout.
    @Test func swiftScaffoldIsAPackageUsingRosterKit() throws {
        let stack = try StackHarness([], roles: "  {}")
        #expect(try stack.cli("new-role", "swifty", "--lang", "swift").code == 0)
        let package = try #require(Files.read(stack.directory + "/roles.d/swifty/Package.swift"))
        #expect(package.contains("RosterKit"))
        let dump = try stack.runTool("/usr/bin/env", ["swift", "package", "--package-path", stack.directory + "/roles.d/swifty", "dump-package"])
        #expect(dump.code == 0, "\(dump.err)")
        #expect(dump.out.contains("\"swifty\""))
        #expect(try stack.cli("new-role", "bad name!").code != 0)
    }
}
