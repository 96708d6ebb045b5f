using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Sessions;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Diagnostics;
using Traktor.Ecs.Net.Tests.Online;

namespace Traktor.Ecs.Net.Tests.Sessions.Directory;

/// <summary>
/// The directory's refused joins and ended sessions say why under <c>traktor.reason</c>, the tag name every other
/// instrument uses (docs/DEPLOY.md): a dashboard grouping by it must not miss the directory's reasons.
/// </summary>
public sealed class SessionMetricsTagTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Refused_joins_and_ended_sessions_are_tagged_with_traktor_reason()
    {
        using var recorder = new MeasurementRecorder(OnlineMetrics.MeterName);
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        var node = directory.Node;
        await node.Fleet.RegisterServerAsync(new GameServerRegistration(["127.0.0.1:40901"], 16, 4, "gs-tags"), Cancel);
        var players = new long[3];
        for (int i = 0; i < players.Length; i++)
        {
            players[i] = (await node.Authentication.RegisterAsync($"tagged{i}", "correct horse battery", Cancel)).UserId;
        }

        var session = await node.Sessions.CreateSessionAsync(new SessionOptions("tagged", 1), Cancel);
        Assert.Equal(SessionJoinStatus.Joined, (await node.Sessions.JoinSessionAsync(session.Id, players[0], Cancel)).Status);
        Assert.Equal(SessionJoinStatus.Full, (await node.Sessions.JoinSessionAsync(session.Id, players[1], Cancel)).Status);
        Assert.True(await node.Sessions.EndSessionAsync(session.Id, Cancel));
        Assert.Equal(SessionJoinStatus.Ended, (await node.Sessions.JoinSessionAsync(session.Id, players[2], Cancel)).Status);

        // Other tests feed the same meter in parallel: ours are among the measurements, and every one follows the rule.
        var refused = recorder.Of("traktor.sessions.joins_refused");
        Assert.Contains(refused, m => Reason(m) == "full");
        Assert.Contains(refused, m => Reason(m) == "ended");
        Assert.Contains(recorder.Of("traktor.sessions.ended"), m => Reason(m) == nameof(SessionEndReason.Ended));
        Assert.All(refused.Concat(recorder.Of("traktor.sessions.ended")), m => Assert.Equal([SessionMetrics.ReasonTag], m.Tags.Keys));
        Assert.Empty(recorder.UnconventionalTags());
    }

    private static string? Reason(RecordedMeasurement measurement) =>
        measurement.Tags.GetValueOrDefault(SessionMetrics.ReasonTag) as string;
}
