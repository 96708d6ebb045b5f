using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A Lua script unloaded while in a player-hosted session leaves it, as its own <c>leaveSession()</c> would: a joiner's
/// seat is free in the directory once <see cref="LuaScriptSystem.UnloadAsync"/> returns, and a host's session ends for
/// everyone (its players hear <c>"Ended"</c>), as a disposed <see cref="Multiplayer"/> ends the session it hosts. Before, the
/// directory kept the player seated, and a hosted session alive with its players waiting for a host, until expiry.
/// </summary>
[Collection(nameof(SeedSnippetTests))]
public sealed class LuaUnloadSessionTests
{
    private static readonly string Hosting = Seed("02-login.lua") + """

        local session = multiplayer:createSession("MyGame", 4)
        sessionId = session.id
        """;

    private static readonly string Joining = Seed("02-login.lua") + """

        local session = multiplayer:joinSession(sessionId)
        function Script:onSessionEnded(session, why, cut) reason, disconnect = why, cut end
        """;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnloadAsync_of_a_Lua_host_ends_the_session_it_hosts_and_its_player_hears_it_ended()
    {
        await using var rig = await LuaMigrationRig.StartAsync();
        var (bob, carol) = (rig.Bob, rig.Carol);
        var (session, hosting, joining) = await HostAndJoinAsync(rig);

        Assert.True(await rig.RunAsync(bob.Scripts.System.UnloadAsync(hosting), "bob's unload"));
        var ended = await rig.Directory.GetSessionAsync(session, Cancel);
        Assert.Equal(SessionState.Ended, ended?.State); // ended before UnloadAsync returned: no polling

        await rig.TickUntilAsync(() => carol.Client.Transport.State == ClientState.Disconnected, "carol to hear the session ended");
        Assert.Equal(DisconnectReason.SessionEnded, carol.Client.Transport.LastDisconnectReason);
        await rig.TickUntilAsync(() => !joining.GetGlobal("reason").IsNil, "carol's onSessionEnded");
        Assert.Equal("Ended", joining.GetGlobal("reason").AsString);
        Assert.Empty(joining.Errors);
    }

    [Fact]
    public async Task UnloadAsync_of_a_Lua_joiner_gives_its_seat_back_closes_its_connection_and_leaves_its_world_as_it_is()
    {
        await using var rig = await LuaMigrationRig.StartAsync();
        var carol = rig.Carol;
        var (session, hosting, joining) = await HostAndJoinAsync(rig);
        long carolId = (await rig.Directory.GetSessionAsync(session, Cancel))!.Members.Single(m => m.Name == carol.Name).UserId;

        Assert.True(await rig.RunAsync(carol.Scripts.System.UnloadAsync(joining), "carol's unload"));
        var now = (await rig.Directory.GetSessionAsync(session, Cancel))!;
        Assert.False(now.IsMember(carolId), "carol's seat was still taken after UnloadAsync returned");
        Assert.Equal(SessionState.Live, now.State); // a joiner's leave ends nothing
        Assert.Equal(ClientState.Disconnected, carol.Client.Transport.State);
        Assert.Equal(DisconnectReason.ClientDisconnected, carol.Client.Transport.LastDisconnectReason);

        // The world is the game's: what the session replicated stays, detached, as after a session's end.
        for (int i = 0; i < 10; i++) rig.Tick();
        Assert.Equal(2, CountPositions(carol.World));
        Assert.Empty(hosting.Errors);
        lock (carol.Scripts.Logger.Lines)
        {
            Assert.DoesNotContain(carol.Scripts.Logger.Lines, line => line.Level >= LogLevel.Warning);
        }
    }

    /// <summary>Bob's script hosts a session, carol's joins it; returns once carol's world holds both players' entities.</summary>
    private static async Task<(SessionId Session, LuaScript Hosting, LuaScript Joining)> HostAndJoinAsync(LuaMigrationRig rig)
    {
        var (bob, carol) = (rig.Bob, rig.Carol);
        var hosting = Load(bob, Hosting, null);
        await rig.TickUntilAsync(() => hosting.WaitingEntries == 0, "bob's createSession");
        Assert.Empty(hosting.Errors);
        string id = hosting.GetGlobal("sessionId").AsString ?? throw new InvalidOperationException("no session id");
        Assert.True(SessionId.TryParse(id, out var session));
        var joining = Load(carol, Joining, id);
        await rig.TickUntilAsync(() => joining.WaitingEntries == 0, "carol's joinSession");
        Assert.Empty(joining.Errors);
        await rig.TickUntilAsync(() => CountPositions(carol.World) == 2, "carol's world to hold both players' entities");
        return (session, hosting, joining);
    }

    private static string Seed(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scripting", "Seed", file));

    private static LuaScript Load(LuaPlayer player, string source, string? sessionId)
    {
        var globals = new Dictionary<string, ScriptValue> { ["username"] = player.Name, ["password"] = SeedNetwork.Password };
        if (sessionId is not null) globals["sessionId"] = sessionId;
        return player.Scripts.Load(player.Name + ".lua", source, globals);
    }

    private static int CountPositions(World world)
    {
        int count = 0;
        world.Query(new QueryDescription().WithAll<Position2>(), (ref Position2 _) => count++);
        return count;
    }
}
