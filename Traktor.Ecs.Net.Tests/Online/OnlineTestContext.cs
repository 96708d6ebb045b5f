using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>One running set of online services under test, whichever store or transport is behind them.</summary>
public sealed class OnlineTestContext(
    IAuthentication authentication,
    ILeaderboards leaderboards,
    IAchievements achievements,
    ICloudSave cloudSave,
    FakeTimeProvider time,
    Func<ValueTask> dispose) : IAsyncDisposable
{
    public IAuthentication Authentication { get; } = authentication;

    public ILeaderboards Leaderboards { get; } = leaderboards;

    public IAchievements Achievements { get; } = achievements;

    public ICloudSave CloudSave { get; } = cloudSave;

    public FakeTimeProvider Time { get; } = time;

    internal TestConnectTokenIssuer? ConnectTokens { get; init; }

    /// <summary>The in-process services behind the interfaces, or null when they are behind HTTP.</summary>
    internal OnlineServices? Embedded { get; init; }

    public ValueTask DisposeAsync() => dispose();
}

/// <summary>Starts the services on one kind of store or transport.</summary>
public interface IOnlineHarness
{
    Task<OnlineTestContext> StartAsync(FakeTimeProvider time, TestConnectTokenIssuer issuer);
}
