import Testing

/// Every suite that serves for real (a live server, the built binary, outside
/// clients, a browser) is nested here, so they run one at a time however the test
/// runner is told to run: several load the machine on purpose (10,000 connections,
/// a fuzz run, 10 MB/s to a stalled client, a CPU hog) or measure timing against a
/// bystander, and on two cores, side by side, they would measure each other.
/// Each suite sets its own time limit; two minutes is the backstop.
@Suite(.serialized, .timeLimit(.minutes(2))) enum Live {}
