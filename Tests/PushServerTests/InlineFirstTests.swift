import Testing

@testable import PushServer

/// The collections that keep their first member inline (a client's topics, a
/// stream's subscriptions) behave as the set and dictionary they replace.
@Suite struct InlineFirstTests {
    @Test func topicSetIsASet() {
        var topics = TopicSet()
        #expect(topics.isEmpty && !topics.contains("/a"))
        #expect(topics.insert("/a") && !topics.insert("/a"))
        #expect(topics.insert("b") && topics.insert("c") && !topics.insert("b"))
        #expect(Set(topics) == ["/a", "b", "c"] && Array(topics).count == 3)
        // Removing the inline one promotes another.
        #expect(topics.remove("/a") && !topics.remove("/a"))
        #expect(!topics.contains("/a") && topics.contains("b") && topics.contains("c"))
        #expect(topics.remove("b") && topics.remove("c") && topics.isEmpty)
        #expect(topics.insert("/a") && Array(topics) == ["/a"])
    }

    @Test func inlineFirstDictionaryIsADictionary() {
        var slots = InlineFirstDictionary<Int, Int>()
        #expect(slots[3] == nil && Array(slots).isEmpty)
        slots[3] = 0
        slots[7] = 5
        slots[9] = 2
        slots[3] = 1  // moved in its topic's list
        #expect(slots[3] == 1 && slots[7] == 5 && slots[9] == 2)
        #expect(Dictionary(uniqueKeysWithValues: slots.map { ($0.key, $0.value) }) == [3: 1, 7: 5, 9: 2])
        #expect(slots.removeValue(forKey: 3) == 1 && slots.removeValue(forKey: 3) == nil)
        #expect(slots[7] == 5 && slots[9] == 2)
        slots[7] = nil
        #expect(slots.removeValue(forKey: 9) == 2 && Array(slots).isEmpty)
        slots[4] = 8
        #expect(slots[4] == 8 && Array(slots).count == 1)
    }
}
