internal import Testing

@testable internal import FeedClient

/// The histogram and the timestamp rule of `ssescript bench`, which must agree with `ssebench`'s.
@Suite struct MeasurementTests {
    @Test func percentilesAreWithinTheBucketError() {
        var histogram = LatencyHistogram()
        for value in 1...100_000 { histogram.record(UInt64(value)) }
        for (quantile, exact) in [(0.5, 50_000.0), (0.9, 90_000.0), (0.99, 99_000.0)] {
            let reported = Double(histogram.percentile(quantile))
            #expect(abs(reported - exact) / exact < 0.008, "p\(quantile * 100): \(reported)")
        }
        #expect(histogram.maximum == 100_000 && histogram.count == 100_000)
        #expect(abs(histogram.mean - 50_000.5) < 0.01)
        var small = LatencyHistogram()
        for value: UInt64 in [0, 3, 255] { small.record(value) }
        #expect(small.percentile(0.01) == 0 && small.percentile(0.5) == 3 && small.percentile(1) == 255)
        #expect(LatencyHistogram().percentile(0.5) == 0)
    }

    @Test func mergedHistogramsCountBoth() {
        var one = LatencyHistogram()
        var other = LatencyHistogram()
        for value in 0..<1000 { one.record(UInt64(value)) }
        for value in 1000..<2000 { other.record(UInt64(value)) }
        one.merge(other)
        #expect(one.count == 2000 && one.maximum == 1999)
        #expect(abs(Double(one.percentile(0.5)) - 1000) / 1000 < 0.008)
    }

    @Test func timestampsAreFifteenOrMoreDigitsOfMicroseconds() {
        #expect(LoopMeter.timestamp("1732540000123456 tick") == 1_732_540_000_123_456)
        #expect(LoopMeter.timestamp("1732540000123456") == 1_732_540_000_123_456)
        #expect(LoopMeter.timestamp("173254000012345 x") == nil, "seconds × 10^5 is before 2001")
        #expect(LoopMeter.timestamp("1732540000123 ms") == nil)
        #expect(LoopMeter.timestamp(" 1732540000123456") == nil)
        #expect(LoopMeter.timestamp("17325400001234567890") == nil, "too large")
        #expect(LoopMeter.timestamp("tick 1732540000123456") == nil)
        #expect(LoopMeter.timestamp("") == nil)
    }
}
