import Testing
import RosterCore

/// One loopback block per role, one address per instance.
@Suite struct AddressPlanTests {
    @Test("The first instance of the first role is 127.77.0.1")
    func firstAddress() {
        #expect(AddressPlan.address(roleIndex: 0, instance: 0) == "127.77.0.1")
    }

    @Test("Instance n of the third role is the n+1-th address of 127.79.0.0/16")
    func thirdRoleBlock() {
        #expect(AddressPlan.address(roleIndex: 2, instance: 0) == "127.79.0.1")
        #expect(AddressPlan.address(roleIndex: 2, instance: 254) == "127.79.0.255")
        #expect(AddressPlan.address(roleIndex: 2, instance: 255) == "127.79.1.0")
        #expect(AddressPlan.address(roleIndex: 2, instance: 300) == "127.79.1.45")
    }

    @Test("The last addressable instance stays inside its role's block")
    func lastInstance() {
        #expect(AddressPlan.address(roleIndex: 0, instance: AddressPlan.maxInstances - 1) == "127.77.255.254")
    }

    @Test("No two instances of a stack share an address")
    func addressesAreDistinct() {
        var seen = Set<String>()
        for role in 0..<4 {
            for instance in 0..<600 {
                #expect(seen.insert(AddressPlan.address(roleIndex: role, instance: instance)).inserted)
            }
        }
    }
}
