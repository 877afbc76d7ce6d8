import Foundation
import RosterSystem
import Testing

/// Per-instance log files rotate by size and keep a bounded number of old files.
struct LogFileTests {
    @Test func rotatesBySizeKeepingThreeOldFiles() throws {
        let directory = FileManager.default.temporaryDirectory.path + "/roster-log-" + UUID().uuidString.prefix(8)
        try Files.makeDirectories(directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/app.0.log"
        let log = try LogFile(path: path, maxBytes: 100, keep: 3)
        for index in 0..<20 {
            log.append(Array(String(format: "line %02d %@\n", index, String(repeating: "x", count: 30)).utf8))
        }
        let current = try #require(Files.read(path))
        #expect(current.hasSuffix("line 19 " + String(repeating: "x", count: 30) + "\n"))
        #expect(current.utf8.count <= 100)
        for index in 1...3 { #expect(Files.exists("\(path).\(index)")) }
        #expect(!Files.exists("\(path).4"))
        #expect(Files.read("\(path).1")?.contains("line 16") == true)
    }
}
