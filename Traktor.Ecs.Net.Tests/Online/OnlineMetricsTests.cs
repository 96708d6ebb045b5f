using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Tests.Online;

public sealed class OnlineMetricsTests
{
    [Fact]
    public async Task Service_activity_is_counted_on_the_assemblys_meter()
    {
        var measured = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == OnlineMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => measured.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        listener.Start();

        var time = new FakeTimeProvider(OnlineTestSettings.Start);
        await using var online = await new SqliteHarness().StartAsync(time, new TestConnectTokenIssuer(time));
        var cancel = TestContext.Current.CancellationToken;
        await online.Authentication.RegisterAsync("metered", "correct horse", cancel);
        await online.Authentication.LoginAsync("metered", "correct horse", cancel);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("m"), cancel);
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("m", 1, 5), cancel);
        await online.CloudSave.PutAsync(1, "s", new byte[100], cancellationToken: cancel);

        // Other tests run in parallel and feed the same static meter, so these are lower bounds.
        Assert.True(measured.GetValueOrDefault("traktor.online.logins") >= 1);
        Assert.True(measured.GetValueOrDefault("traktor.online.scores_submitted") >= 1);
        Assert.True(measured.GetValueOrDefault("traktor.online.cloud_save_bytes") >= 100);
    }
}
