using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A call given up (its token cancelled, or the facade disposed under it) leaves no seat taken: a seat the directory gave
/// goes back, a leave once begun is sent. Before, a <see cref="Multiplayer.Dispose"/> during a join left the join waiting
/// for ever with its seat taken (and disposed the lock it released at its end), a create or quick-join cancelled while the
/// directory's answer was on its way kept the seat it named, and a leave cancelled on its way sent nothing.
/// </summary>
public sealed partial class MultiplayerSessionEndSeatTests
{
    /// <summary>A bound on a wait that only a bug makes long (the call hanging for ever): not a measure of speed.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Dispose_during_a_join_whose_seat_was_granted_ends_the_join_and_gives_the_seat_back()
    {
        using var game = await GameAsync();
        // The loop stopped ticking (as Dispose asks): the join's seat is granted, and its connection waits for a tick.
        var joining = game.Multiplayer.JoinSessionAsync(game.Session.Id, Cancel);
        await UntilAsync(() => game.Directory.Answered == 1 && game.Multiplayer.NeedsTicks, "the seat to be granted");
        Assert.Equal(1, game.Members());
        var seat = game.Seat();

        await game.Multiplayer.DisposeAsync();
        // Before: the join waited for ever, and once its token ended it, the disposed lock threw at its release instead.
        var error = await Assert.ThrowsAsync<ObjectDisposedException>(() => joining.WaitAsync(HangGuard, Cancel));
        Assert.Equal(typeof(Multiplayer).FullName, error.ObjectName);
        Assert.Equal(0, game.Members()); // DisposeAsync awaited the give-back
        Assert.Equal((Player, (DateTimeOffset?)seat), Assert.Single(game.Directory.Leaves)); // that seat, once
        Assert.Null(game.Multiplayer.CurrentSession);

        var after = await Assert.ThrowsAsync<ObjectDisposedException>(() => game.Multiplayer.LeaveSessionAsync(Cancel));
        Assert.Equal(typeof(Multiplayer).FullName, after.ObjectName);
    }

    [Fact]
    public async Task A_quick_join_cancelled_while_its_answer_is_on_its_way_gives_the_seat_back()
    {
        using var game = await GameAsync();
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        game.Directory.JoinHold = answer.Task;
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var joining = game.Multiplayer.QuickJoinAsync(cancellationToken: giveUp.Token);
        await game.TickUntilAsync(() => game.Directory.Answered == 1, "the directory to seat the player");
        Assert.Equal(1, game.Members());
        var seat = game.Seat();

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => joining);
        answer.SetResult(); // the answer arrives after the caller gave up: before, its seat stayed taken
        await game.TickUntilAsync(() => game.Members() == 0, "the seat the answer named to be given back");
        Assert.Equal((Player, (DateTimeOffset?)seat), Assert.Single(game.Directory.Leaves));
        Assert.Null(game.Multiplayer.CurrentSession);
    }

    [Fact]
    public async Task A_create_cancelled_while_its_join_is_answered_gives_the_seat_back()
    {
        using var game = await GameAsync();
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        game.Directory.JoinHold = answer.Task;
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var creating = game.Multiplayer.CreateSessionAsync("duel", 2, giveUp.Token);
        await game.TickUntilAsync(() => game.Directory.Answered == 1, "the directory to seat the player in the new session");
        var created = (await game.Sessions.ListSessionsAsync(new SessionFilter { NameContains = "duel" }, cancellationToken: Cancel)).Sessions.Single();
        Assert.True(created.IsMember(Player));

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => creating);
        answer.SetResult();
        await game.TickUntilAsync(() => !game.Sessions.GetSessionAsync(created.Id, Cancel).GetAwaiter().GetResult()!.IsMember(Player),
            "the seat in the created session to be given back");
        Assert.Equal(Player, Assert.Single(game.Directory.Leaves).Player);
    }

    [Fact]
    public async Task A_leave_cancelled_on_its_way_is_still_sent()
    {
        using var game = await GameAsync();
        await game.JoinAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        game.Directory.Hold = release.Task;
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var leaving = game.Multiplayer.LeaveSessionAsync(giveUp.Token);
        await game.TickUntilAsync(() => game.Directory.Leaves.Count == 1, "the leave to be sent");

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        release.SetResult(); // the directory gets to it: before, the cancel had cut the leave short and the seat stayed taken
        // (the game server keeps it for the player's reconnect grace, a minute: longer than this wait)
        await game.TickUntilAsync(() => game.Members() == 0, "the leave to reach the directory");
        Assert.Null(game.Multiplayer.CurrentSession);
        // The disconnect happens on the tick thread; under load the directory may have the leave before any tick ran.
        await game.TickUntilAsync(() => game.Client.Transport.State == ClientState.Disconnected, "the client to disconnect");
    }

    [Fact]
    public async Task Dispose_during_a_leave_still_sends_it_and_DisposeAsync_awaits_it()
    {
        using var game = await GameAsync();
        await game.JoinAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        game.Directory.Hold = release.Task;
        var leaving = game.Multiplayer.LeaveSessionAsync(Cancel);
        await game.TickUntilAsync(() => game.Directory.Leaves.Count == 1, "the leave to be sent");

        var disposing = game.Multiplayer.DisposeAsync().AsTask();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => leaving.WaitAsync(HangGuard, Cancel));
        Assert.False(disposing.IsCompleted, "DisposeAsync awaits the leave on its way");
        release.SetResult();
        await disposing.WaitAsync(HangGuard, Cancel);
        Assert.Equal(0, game.Members());
    }

    [Fact]
    public async Task Dispose_of_a_joined_player_gives_its_seat_back_and_DisposeAsync_awaits_it()
    {
        using var game = await GameAsync();
        await game.JoinAsync();
        var seat = game.Seat();

        // The game stopped ticking and quits: before, the seat stayed taken until the game server's reconnect grace ran out.
        await game.Multiplayer.DisposeAsync();
        Assert.Equal(0, game.Members());
        Assert.Equal((Player, (DateTimeOffset?)seat), Assert.Single(game.Directory.Leaves)); // that seat only, once
        Assert.Null(game.Multiplayer.CurrentSession);
    }

    /// <summary>Waits (without ticking) until <paramref name="done"/>, letting the facade's background work run.</summary>
    private static async Task UntilAsync(Func<bool> done, string what)
    {
        for (int i = 0; i < 2000 && !done(); i++)
        {
            await Task.Delay(1, Cancel);
        }

        Assert.True(done(), $"timed out waiting for {what}");
    }
}
