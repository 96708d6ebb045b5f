using System.Reflection;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// The lookup of why a session ended is linked to the facade's own token (<see cref="Multiplayer.Dispose"/> stops it): once a
/// leave or a join superseded the end, its source is disposed, and no registration on the facade's token is left behind.
/// Before, a superseded end's source was cancelled but never disposed: every superseded end kept a registration (and the
/// end with it) on the facade's token for the facade's lifetime.
/// </summary>
public sealed partial class MultiplayerSessionEndSeatTests
{
    [Fact]
    public async Task A_superseded_end_leaves_no_registration_on_the_facades_token()
    {
        using var game = await GameAsync();
        var facade = FacadeToken(game.Multiplayer);
        for (int round = 1; round <= 3; round++)
        {
            await game.JoinAsync();
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            game.Directory.Hold = release.Task;
            game.Setup.Harness.Server.Disconnect(game.Setup.ConnectionOf((ulong)Player), DisconnectReason.Kicked);
            await game.TickUntilAsync(() => game.Directory.Leaves.Count == round, "the end's give-back to be sent");
            Assert.Equal(1, Registrations(facade)); // the end under way: its lookup is linked to the facade's token

            var leaving = game.Multiplayer.LeaveSessionAsync(Cancel); // supersedes the end
            release.SetResult();
            Assert.True(await leaving);
            Assert.Equal(0, Registrations(facade)); // before: one more per round
        }
    }

    /// <summary>The facade's own token source (cancelled by <see cref="Multiplayer.Dispose"/>).</summary>
    private static CancellationTokenSource FacadeToken(Multiplayer multiplayer) =>
        (CancellationTokenSource)typeof(Multiplayer).GetField("disposed", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(multiplayer)!;

    /// <summary>The callbacks registered on <paramref name="source"/> (the runtime's list of them; linked sources register one each).</summary>
    private static int Registrations(CancellationTokenSource source)
    {
        var registrations = typeof(CancellationTokenSource).GetField("_registrations", BindingFlags.Instance | BindingFlags.NonPublic);
        Assert.NotNull(registrations); // the runtime's layout changed: count another way
        object? list = registrations.GetValue(source);
        if (list is null)
        {
            return 0;
        }

        var callbacks = list.GetType().GetField("Callbacks", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        Assert.NotNull(callbacks);
        int count = 0;
        for (object? node = callbacks.GetValue(list); node is not null; node = node.GetType().GetField("Next", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!.GetValue(node))
        {
            count++;
        }

        return count;
    }
}
