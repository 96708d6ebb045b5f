using Traktor.Ecs.Net.Online.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions.Directory;

/// <summary>
/// Every timing and count of <see cref="SessionDirectoryOptions"/> has a range, refused outside it by
/// <see cref="SessionDirectoryOptions.Validate"/> (which the directory runs when it is made) naming the option (options4).
/// Before, only lower ends were checked for most of them: <see cref="TimeSpan.MaxValue"/> kept ended sessions and gone
/// servers for good (<see cref="SessionDirectoryOptions.EndedRetention"/>, not checked at all, took negative values too),
/// a crashed server's sessions for good (<see cref="SessionDirectoryOptions.DeadAfter"/>), and a heartbeat interval of
/// <see cref="TimeSpan.MaxValue"/> threw an <see cref="OverflowException"/> from the check itself.
/// </summary>
public sealed class SessionDirectoryOptionsBoundsTests
{
    public static TheoryData<string, object> BadValues => new()
    {
        { nameof(SessionDirectoryOptions.HeartbeatInterval), SessionDirectoryOptions.HeartbeatIntervalLimit + TimeSpan.FromTicks(1) },
        { nameof(SessionDirectoryOptions.HeartbeatInterval), TimeSpan.MaxValue },
        { nameof(SessionDirectoryOptions.DeadAfter), SessionDirectoryOptions.DeadAfterLimit + TimeSpan.FromTicks(1) },
        { nameof(SessionDirectoryOptions.DeadAfter), TimeSpan.MaxValue },
        { nameof(SessionDirectoryOptions.EmptySessionTimeout), SessionDirectoryOptions.EmptySessionTimeoutLimit + TimeSpan.FromTicks(1) },
        { nameof(SessionDirectoryOptions.MemberIdleTimeout), SessionDirectoryOptions.MemberIdleTimeoutLimit + TimeSpan.FromTicks(1) },
        { nameof(SessionDirectoryOptions.HostClaimAfter), SessionDirectoryOptions.HostClaimAfterLimit + TimeSpan.FromTicks(1) },
        { nameof(SessionDirectoryOptions.EndedRetention), TimeSpan.FromTicks(-1) },
        { nameof(SessionDirectoryOptions.EndedRetention), SessionDirectoryOptions.EndedRetentionLimit + TimeSpan.FromTicks(1) },
        { nameof(SessionDirectoryOptions.EndedNotice), TimeSpan.FromTicks(-1) },
        { nameof(SessionDirectoryOptions.EndedNotice), SessionDirectoryOptions.EndedNoticeLimit + TimeSpan.FromTicks(1) },
        { nameof(SessionDirectoryOptions.MaxSessionsPerPlayer), SessionDirectoryOptions.MaxSessionsPerPlayerLimit + 1 },
        { nameof(SessionDirectoryOptions.MaxSessionsPerServer), SessionDirectoryOptions.MaxSessionsPerServerLimit + 1 },
        { nameof(SessionDirectoryOptions.MaxGameServers), SessionDirectoryOptions.MaxGameServersLimit + 1 },
        { nameof(SessionDirectoryOptions.MaxGameServers), int.MaxValue },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void The_value_is_refused_naming_the_option(string option, object value)
    {
        var options = With(option, value);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(option, refused.ParamName);
        Assert.Contains(option, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_limits_themselves_are_taken()
    {
        var options = DirectoryTestSettings.Options with
        {
            HeartbeatInterval = SessionDirectoryOptions.HeartbeatIntervalLimit,
            DeadAfter = SessionDirectoryOptions.DeadAfterLimit,
            EmptySessionTimeout = SessionDirectoryOptions.EmptySessionTimeoutLimit,
            MemberIdleTimeout = SessionDirectoryOptions.MemberIdleTimeoutLimit,
            HostClaimAfter = SessionDirectoryOptions.HostClaimAfterLimit,
            HostPublishGrace = SessionDirectoryOptions.HostPublishGraceLimit,
            EndedRetention = SessionDirectoryOptions.EndedRetentionLimit,
            EndedNotice = SessionDirectoryOptions.EndedNoticeLimit,
            MaxSessionsPerPlayer = SessionDirectoryOptions.MaxSessionsPerPlayerLimit,
            MaxSessionsPerServer = SessionDirectoryOptions.MaxSessionsPerServerLimit,
            MaxGameServers = SessionDirectoryOptions.MaxGameServersLimit,
        };

        options.Validate();
    }

    /// <summary>The tests' directory settings with one option changed.</summary>
    private static SessionDirectoryOptions With(string option, object value)
    {
        var options = DirectoryTestSettings.Options with { };
        typeof(SessionDirectoryOptions).GetProperty(option)!.SetValue(options, value);
        return options;
    }
}
