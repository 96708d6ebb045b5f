using System.Text.Json;
using CsCheck;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// A departure's reason rides in every heartbeat answer: a reason an older game server does not know (a newer directory's)
/// reads Removed instead of failing the heartbeat.
/// </summary>
public class SessionDepartureJsonTests
{
    private static SessionDeparture Read(string json) => JsonSerializer.Deserialize(json, SessionJsonContext.Default.SessionDeparture)!;

    [Theory]
    [InlineData("\"Left\"", SessionLeaveReason.Left)]
    [InlineData("\"timedOut\"", SessionLeaveReason.TimedOut)]
    [InlineData("\"Removed\"", SessionLeaveReason.Removed)]
    [InlineData("1", SessionLeaveReason.Left)]
    [InlineData("\"Banished\"", SessionLeaveReason.Removed)]
    [InlineData("\"2\"", SessionLeaveReason.Removed)]
    [InlineData("\"Left, TimedOut\"", SessionLeaveReason.Removed)]
    [InlineData("\"\"", SessionLeaveReason.Removed)]
    [InlineData("9", SessionLeaveReason.Removed)]
    [InlineData("-1", SessionLeaveReason.Removed)]
    [InlineData("4294967296", SessionLeaveReason.Removed)]
    [InlineData("1.5", SessionLeaveReason.Removed)]
    public void A_reason_this_build_does_not_know_reads_Removed(string reason, SessionLeaveReason read)
    {
        var departure = Read($$"""{"userId":7,"at":"2026-12-05T17:00:00+00:00","reason":{{reason}}}""");
        Assert.Equal(new SessionDeparture(7, new DateTimeOffset(2026, 12, 5, 17, 0, 0, TimeSpan.Zero), read), departure);
    }

    [Fact]
    public void A_departure_without_a_reason_reads_Removed_and_a_malformed_one_is_refused()
    {
        Assert.Equal(SessionLeaveReason.Removed, Read("""{"userId":7,"at":"2026-12-05T17:00:00+00:00"}""").Reason);
        Assert.Throws<JsonException>(() => Read("""{"userId":7,"at":"2026-12-05T17:00:00+00:00","reason":{"x":1}}"""));
    }

    [Fact]
    public void Every_reason_round_trips_by_name()
    {
        foreach (var reason in Enum.GetValues<SessionLeaveReason>())
        {
            var departure = new SessionDeparture(3, DateTimeOffset.UnixEpoch, reason);
            string json = JsonSerializer.Serialize(departure, SessionJsonContext.Default.SessionDeparture);
            Assert.Contains($"\"reason\":\"{reason}\"", json, StringComparison.Ordinal);
            Assert.Equal(departure, Read(json));
        }
    }

    [Fact]
    public void Any_number_reads_its_reason_when_defined_and_Removed_otherwise()
    {
        Gen.Frequency((1, Gen.Long), (1, Gen.Long[-5, 5])).Sample(number =>
        {
            var read = Read($$"""{"userId":1,"at":"2026-12-05T17:00:00+00:00","reason":{{number}}}""").Reason;
            return read == (number is >= 0 and <= 2 ? (SessionLeaveReason)number : SessionLeaveReason.Removed);
        });
    }

    [Fact]
    public void A_host_heartbeat_answer_from_before_departures_reads_none_and_a_new_one_reads_them()
    {
        // A backend from before player hosts heard of departures answered {live} alone: that must still parse.
        var old = JsonSerializer.Deserialize("""{"live":true}""", SessionJsonContext.Default.HostHeartbeatResult)!;
        Assert.True(old.Live);
        Assert.Null(old.Departures);
        var current = JsonSerializer.Deserialize("""{"live":true,"departures":[{"userId":7,"at":"2026-12-05T17:00:00+00:00","reason":"Left"}]}""",
            SessionJsonContext.Default.HostHeartbeatResult)!;
        Assert.Equal([new SessionDeparture(7, new DateTimeOffset(2026, 12, 5, 17, 0, 0, TimeSpan.Zero), SessionLeaveReason.Left)], current.Departures!);
    }
}
