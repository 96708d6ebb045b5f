using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Leaderboards;

namespace Traktor.Ecs.Net.Tests.Online;

public sealed class LeaderboardScoringTests
{
    [Theory]
    [InlineData(LeaderboardSortOrder.Descending, LeaderboardOperator.Best, 10L, 12L, 12L, true)]
    [InlineData(LeaderboardSortOrder.Descending, LeaderboardOperator.Best, 10L, 8L, 10L, false)]
    [InlineData(LeaderboardSortOrder.Ascending, LeaderboardOperator.Best, 10L, 8L, 8L, true)]
    [InlineData(LeaderboardSortOrder.Ascending, LeaderboardOperator.Best, 10L, 12L, 10L, false)]
    [InlineData(LeaderboardSortOrder.Descending, LeaderboardOperator.Set, 10L, 3L, 3L, true)]
    [InlineData(LeaderboardSortOrder.Descending, LeaderboardOperator.Set, 10L, 10L, 10L, false)]
    [InlineData(LeaderboardSortOrder.Descending, LeaderboardOperator.Increment, 10L, 5L, 15L, true)]
    [InlineData(LeaderboardSortOrder.Descending, LeaderboardOperator.Increment, 10L, 0L, 10L, false)]
    [InlineData(LeaderboardSortOrder.Descending, LeaderboardOperator.Decrement, 10L, 5L, 5L, true)]
    [InlineData(LeaderboardSortOrder.Descending, LeaderboardOperator.Increment, null, 5L, 5L, true)]
    [InlineData(LeaderboardSortOrder.Descending, LeaderboardOperator.Decrement, null, 5L, -5L, true)]
    public void Operators_combine_the_record_and_the_submission(LeaderboardSortOrder order, LeaderboardOperator op, long? current, long submitted, long expected, bool changed)
    {
        var definition = new LeaderboardDefinition("b", order, op);
        Assert.Equal((expected, changed), LeaderboardScoring.Apply(definition, current, submitted));
    }

    [Fact]
    public void Results_that_would_overflow_are_refused_not_wrapped()
    {
        var increment = new LeaderboardDefinition("b", Operator: LeaderboardOperator.Increment);
        Assert.Equal(OnlineError.InvalidArgument, Assert.Throws<OnlineException>(() => LeaderboardScoring.Apply(increment, long.MaxValue, 1)).Error);
        var decrement = new LeaderboardDefinition("b", Operator: LeaderboardOperator.Decrement);
        Assert.Equal(OnlineError.InvalidArgument, Assert.Throws<OnlineException>(() => LeaderboardScoring.Apply(decrement, long.MinValue, 1)).Error);
        var limited = new LeaderboardDefinition("b", Operator: LeaderboardOperator.Set, MaxChangePerSubmission: 10);
        Assert.Equal(OnlineError.InvalidArgument, Assert.Throws<OnlineException>(() => LeaderboardScoring.Apply(limited, long.MinValue, long.MaxValue)).Error);
    }

    [Fact]
    public void The_maximum_change_applies_to_the_difference_or_the_amount()
    {
        var best = new LeaderboardDefinition("b", MaxChangePerSubmission: 100);
        Assert.Equal((1_000_000L, true), LeaderboardScoring.Apply(best, null, 1_000_000)); // a first record has nothing to change from
        Assert.Equal((1_000_100L, true), LeaderboardScoring.Apply(best, 1_000_000, 1_000_100));
        Assert.Throws<OnlineException>(() => LeaderboardScoring.Apply(best, 1_000_000, 1_000_101));
        var increment = new LeaderboardDefinition("b", Operator: LeaderboardOperator.Increment, MaxChangePerSubmission: 100);
        Assert.Equal((100L, true), LeaderboardScoring.Apply(increment, null, 100));
        Assert.Throws<OnlineException>(() => LeaderboardScoring.Apply(increment, null, 101));
    }

    [Fact]
    public void Inconsistent_definitions_are_refused()
    {
        Assert.Throws<OnlineException>(() => LeaderboardScoring.CheckDefinition(new LeaderboardDefinition("b", (LeaderboardSortOrder)7)));
        Assert.Throws<OnlineException>(() => LeaderboardScoring.CheckDefinition(new LeaderboardDefinition("b", Operator: (LeaderboardOperator)(-1))));
        Assert.Throws<OnlineException>(() => LeaderboardScoring.CheckDefinition(new LeaderboardDefinition("b", MaxChangePerSubmission: -1)));
        Assert.Throws<OnlineException>(() => LeaderboardScoring.CheckDefinition(new LeaderboardDefinition("..")));
        LeaderboardScoring.CheckDefinition(new LeaderboardDefinition("ok", ResetSchedule: "@monthly"));
    }
}
