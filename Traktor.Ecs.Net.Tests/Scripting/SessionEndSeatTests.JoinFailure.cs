using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A <c>joinSession</c> the directory seats but whose connection fails leaves the script in no session and gives that seat
/// back. Before, the script kept the session as its own (its next <c>joinSession</c> failed "already in session") and the
/// directory kept the seat until its idle sweep.
/// </summary>
public sealed partial class SessionEndSeatTests
{
    [Fact]
    public async Task A_join_whose_connection_is_refused_gives_the_seat_back_and_leaves_the_script_free_to_join_again()
    {
        using var game = await GameAsync(extraSource: """
            function Script:tryJoin(id)
                local ok, result = pcall(function() return multiplayer:joinSession(id) end)
                tried = ok and "joined" or tostring(result)
            end
            """);
        // Another session on the same game server, whose relay admits only its own session's tickets: the server refuses
        // the connection although the directory seated the player.
        var other = await game.Sessions.CreateSessionAsync(new SessionOptions("elsewhere", 4), Cancel);
        Assert.True(game.Script.Call("tryJoin", other.Id.ToString()));
        Assert.True(game.Setup.TickUntil(() => game.Script.WaitingEntries == 0, 600), "the join did not finish");
        Assert.Contains("could not connect", game.Script.GetGlobal("tried").AsString, StringComparison.Ordinal);
        Assert.Equal(ClientState.Disconnected, game.Setup.Clients[0].Client.Transport.State);
        Assert.True(game.Setup.TickUntil(() => !game.Directory.Leaves.IsEmpty, 120), "the seat was not given back");
        var leave = Assert.Single(game.Directory.Leaves);
        Assert.Equal(Player, leave.Player);
        Assert.NotNull(leave.Granted); // that seat only
        Assert.Empty((await game.Sessions.GetSessionAsync(other.Id, Cancel))!.Members);

        // In no session: the script joins its own session at once.
        game.Join(); // before: "joinSession: already in session …"
        Assert.Equal(1, game.Members());
    }
}
