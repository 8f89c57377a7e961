// A log-linear histogram of microsecond values: fixed memory, one increment per value.

/// Counts values in buckets that are exact below 256 and split each power of two above into 128
/// sub-buckets, so a reported percentile is within 0.8 % of the true one. The bucket layout is
/// the shared harness's `ssebench` one, so that the two clients' percentiles agree by
/// construction, not by chance (HdrHistogram would do as well, but brings swift-numerics along
/// for what is forty lines here).
struct LatencyHistogram: Sendable {
    private static let subBucketBits = 7
    private static let subBucketCount = 1 << subBucketBits
    private static let bucketCount = (64 - subBucketBits) * subBucketCount + subBucketCount

    private var counts = [UInt64](repeating: 0, count: bucketCount)
    private(set) var count: UInt64 = 0
    private(set) var maximum: UInt64 = 0
    private(set) var sum: Double = 0

    mutating func record(_ value: UInt64) {
        counts[Self.index(value)] += 1
        count += 1
        sum += Double(value)
        maximum = max(maximum, value)
    }

    mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        count += other.count
        sum += other.sum
        maximum = max(maximum, other.maximum)
    }

    /// The value below which a fraction `quantile` of the values lie: the middle of its bucket,
    /// ranked as `ssebench` ranks (nearest rank, rounded). 0 when there is no value.
    func percentile(_ quantile: Double) -> UInt64 {
        guard count > 0 else {
            return 0
        }
        let rank = min(count, max(1, UInt64(quantile * Double(count) + 0.5)))
        var seen: UInt64 = 0
        for (index, bucketCount) in counts.enumerated() {
            seen += bucketCount
            if seen >= rank { return Self.middle(index) }
        }
        return maximum
    }

    var mean: Double { count == 0 ? 0 : sum / Double(count) }

    private static func index(_ value: UInt64) -> Int {
        if value < UInt64(2 * subBucketCount) {
            return Int(value)
        }
        let shift = 63 - value.leadingZeroBitCount - subBucketBits
        return (shift + 1) * subBucketCount + Int((value >> UInt64(shift)) - UInt64(subBucketCount))
    }

    private static func middle(_ index: Int) -> UInt64 {
        if index < 2 * subBucketCount {
            return UInt64(index)
        }
        let shift = index / subBucketCount - 1
        let low = UInt64(index % subBucketCount + subBucketCount) << UInt64(shift)
        return low + ((UInt64(1) << UInt64(shift)) >> 1)
    }
}
