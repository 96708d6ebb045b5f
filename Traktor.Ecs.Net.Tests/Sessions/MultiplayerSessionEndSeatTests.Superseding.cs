using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A session's end under the player against the player's own next step: a leave while the facade asks why the session
/// ended shares the end's give-back (one leave reaches the directory), and a join under way when the session is lost, or
/// while its reason is looked up, decides: a join that moves the player on leaves nothing given back and nothing reported,
/// a join that fails lets the end run and report.
/// </summary>
public sealed partial class MultiplayerSessionEndSeatTests
{
    /// <summary>Long enough on the fake clock for the end's lookup to give up (<see cref="MultiplayerOptions.EndReasonWait"/>, 10 s) and report.</summary>
    private const int PastTheLookup = 60 * 12;

    /// <summary>Joins that wait for the directory's answer longer than the end's lookup (whose reason they may hold back).</summary>
    private static readonly MultiplayerOptions PatientJoins = new() { JoinWait = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task A_leave_while_the_end_is_looked_up_shares_its_give_back_and_sends_no_second_leave()
    {
        using var game = await GameAsync();
        await game.JoinAsync();
        var seat = game.Seat();
        int ended = 0;
        game.Multiplayer.SessionEnded += (_, _) => ended++;

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        game.Directory.Hold = release.Task;
        game.Setup.Harness.Server.Disconnect(game.Setup.ConnectionOf((ulong)Player), DisconnectReason.Kicked);
        await game.TickUntilAsync(() => game.Directory.Leaves.Count == 1, "the end's give-back to be sent");

        // Before, the leave sent a second, unconditional leave (no seat grant), which could free a seat the player took
        // since in that session from another device.
        var leaving = game.Multiplayer.LeaveSessionAsync(Cancel);
        release.SetResult();
        Assert.True(await leaving);
        Assert.Null(game.Multiplayer.CurrentSession);

        await game.TickAsync(PastTheLookup);
        Assert.Equal((Player, (DateTimeOffset?)seat), Assert.Single(game.Directory.Leaves));
        Assert.Equal(0, game.Members());
        Assert.Equal(0, ended); // the leave superseded the end: nothing reported
    }

    [Fact]
    public async Task A_session_lost_while_a_rejoin_is_answered_leaves_the_seat_the_join_was_given()
    {
        using var game = await GameAsync();
        await game.JoinAsync();
        var seat = game.Seat();
        int ended = 0;
        game.Multiplayer.SessionEnded += (_, _) => ended++;

        // The rejoin reaches the directory (AlreadyMember: the seat held now) and its answer is on its way back when the
        // game server cuts the player. Before, the end gave that seat back at once: the join then connected the player to
        // a seat the directory had freed.
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        game.Directory.JoinHold = answer.Task;
        var joining = game.Multiplayer.JoinSessionAsync(game.Session.Id, Cancel);
        await game.TickUntilAsync(() => game.Directory.Answered == 2, "the rejoin to be answered");
        game.Setup.Harness.Server.Disconnect(game.Setup.ConnectionOf((ulong)Player), DisconnectReason.Kicked);
        await game.TickUntilAsync(() => game.Client.Transport.State == ClientState.Disconnected, "the cut to arrive");
        await game.TickAsync(60);
        Assert.Empty(game.Directory.Leaves);

        answer.SetResult();
        await game.TickUntilAsync(() => joining.IsCompleted, "the rejoin");
        await joining;
        await game.TickAsync(PastTheLookup);
        Assert.Empty(game.Directory.Leaves);
        Assert.Equal(seat, game.Seat());
        Assert.Equal(ClientState.Connected, game.Client.Transport.State);
        Assert.NotNull(game.Multiplayer.CurrentSession);
        Assert.Equal(0, ended);
    }

    [Fact]
    public async Task A_reason_found_while_a_join_is_answered_is_not_reported_once_the_join_moved_the_player_on()
    {
        using var game = await GameAsync(PatientJoins);
        await game.JoinAsync();
        int ended = 0;
        game.Multiplayer.SessionEnded += (_, _) => ended++;
        game.Setup.Harness.Server.Disconnect(game.Setup.ConnectionOf((ulong)Player), DisconnectReason.Kicked);
        await game.TickUntilAsync(() => game.Members() == 0, "the end's give-back");

        // The rejoin's answer is held past the lookup's wait: the lookup gives up meanwhile (the session lives on, the
        // player's seat given back). Before, SessionEnded said the session ended while the join was about to put the
        // player back in it.
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        game.Directory.JoinHold = answer.Task;
        var joining = game.Multiplayer.JoinSessionAsync(game.Session.Id, Cancel);
        await game.TickUntilAsync(() => game.Directory.Answered == 2, "the rejoin to be answered");
        await game.TickAsync(PastTheLookup);
        Assert.Equal(0, ended);

        answer.SetResult();
        await game.TickUntilAsync(() => joining.IsCompleted, "the rejoin");
        var session = await joining;
        await game.TickAsync(60);
        Assert.Equal(0, ended);
        Assert.Same(session, game.Multiplayer.CurrentSession);
        Assert.Equal(SessionEndReason.None, game.Multiplayer.LastEndReason);
    }

    [Fact]
    public async Task A_reason_found_while_a_join_is_answered_is_reported_once_the_join_failed()
    {
        using var game = await GameAsync(PatientJoins);
        await game.JoinAsync();
        var ends = new List<(SessionInfo Session, SessionEndReason Reason)>();
        game.Multiplayer.SessionEnded += (session, reason) => ends.Add((session, reason));
        game.Setup.Harness.Server.Disconnect(game.Setup.ConnectionOf((ulong)Player), DisconnectReason.Kicked);
        await game.TickUntilAsync(() => game.Members() == 0, "the end's give-back");
        var lost = game.Multiplayer.CurrentSession;

        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        game.Directory.JoinHold = answer.Task;
        var joining = game.Multiplayer.JoinSessionAsync(SessionId.New(), Cancel); // a session the directory does not know
        await game.TickUntilAsync(() => game.Directory.Answered == 2, "the join to be answered");
        await game.TickAsync(PastTheLookup);
        Assert.Empty(ends); // held while the join might still move the player on

        answer.SetResult();
        var refused = await Assert.ThrowsAsync<SessionJoinException>(() => joining);
        Assert.Equal(SessionJoinStatus.NotFound, refused.Status);
        await game.TickUntilAsync(() => ends.Count > 0, "the lost session's end to be reported");
        var (session, reason) = Assert.Single(ends);
        Assert.Same(lost, session);
        Assert.Equal(SessionEndReason.ConnectionLost, reason);
        Assert.Null(game.Multiplayer.CurrentSession);
    }

    [Fact]
    public async Task A_join_that_moved_the_player_on_stops_the_lookup_of_the_end_before_it()
    {
        using var game = await GameAsync();
        await game.JoinAsync();
        game.Setup.Harness.Server.Disconnect(game.Setup.ConnectionOf((ulong)Player), DisconnectReason.Kicked);
        await game.TickUntilAsync(() => game.Members() == 0 && game.Directory.Lookups > 0, "the end's give-back and lookup");

        // Before, the lookup went on asking the directory about the old session for the rest of its wait (10 s).
        await game.JoinAsync();
        int lookups = game.Directory.Lookups;
        await game.TickAsync(PastTheLookup);
        Assert.Equal(lookups, game.Directory.Lookups);
    }
}
