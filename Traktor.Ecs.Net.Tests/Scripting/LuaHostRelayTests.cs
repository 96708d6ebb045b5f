using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Docs;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A session a Lua game hosts through its own <see cref="ScriptServices.StartHosting"/> gets the same relay as one a C#
/// <see cref="Multiplayer"/> hosts: the host's script hears <c>Script:onPlayerJoined</c> and <c>Script:onPlayerLeft</c> (the
/// seed's handler form), the players get the owners of the entities, so the successor after the host is lost hands each its
/// own back. Before, such a host announced nothing and sent no owners: its successor kept every entity and handed none back.
/// The game must tick that host after the scripts' system; the other order is refused with a typed error.
/// </summary>
[Collection(nameof(SeedSnippetTests))]
public sealed class LuaHostRelayTests
{
    /// <summary>The membership handlers docs/SCRIPTING.md shows, as written.</summary>
    private static readonly string Documented = MarkdownCodeBlocks.Parse("docs/SCRIPTING.md",
            File.ReadAllText(Path.Combine(DocsCompileTests.RepositoryRoot(), "docs", "SCRIPTING.md")))
        .Single(b => b.Language == "lua" && b.Code.Contains("onPlayerLeft", StringComparison.Ordinal)).Code;

    /// <summary>The seed's login, the documented handlers (the seed's handler form), and the seed's createSession.</summary>
    private static readonly string Hosting = Seed("02-login.lua") + "\n" + Documented + """

        local session = multiplayer:createSession("MyGame", 4)  -- Max 4 players
        sessionId = session.id
        """;

    private static readonly string Joining = Seed("02-login.lua") + """

        local session = multiplayer:joinSession(sessionId)
        """;

    [Fact]
    public async Task A_Lua_game_s_own_host_announces_joins_and_leaves_to_its_script_and_sends_the_owners_its_successor_hands_back()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var rig = await LuaMigrationRig.StartAsync();
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var hosting = Load(bob, Hosting, null);
        await rig.TickUntilAsync(() => hosting.WaitingEntries == 0, "bob's createSession");
        Assert.Empty(hosting.Errors);
        var id = SessionId.TryParse(hosting.GetGlobal("sessionId").AsString, out var parsed) ? parsed : throw new InvalidOperationException("no session id");
        Assert.NotNull(bob.Host);

        // Carol (Lua) and alice (C#) join bob's session: his script hears each, under the name on its ticket.
        var joining = Load(carol, Joining, id.ToString());
        await rig.TickUntilAsync(() => joining.WaitingEntries == 0, "carol's joinSession");
        Assert.Empty(joining.Errors);
        await rig.RunAsync(alice.Multiplayer.JoinSessionAsync(id, cancel), "alice to join");
        await rig.TickUntilAsync(() => Logged(bob).Count == 3, "bob's script to hear three joins");
        Assert.Equal([$"{bob.Name} is in (1 in the session now)", $"{carol.Name} is in (2 in the session now)", "lua-migrating-alice is in (3 in the session now)"], Logged(bob));
        await rig.TickUntilAsync(() => Values(bob.World).Count == 3 && Values(carol.World).Count == 3, "carol's world to hold the three players' entities");

        // The players get the owners of the entities from bob's host, as from a Multiplayer's host.
        await rig.TickUntilAsync(() => carol.Scripts.System.HasHostOwners, "the owners to reach carol");

        // Alice leaves: bob's script hears it; her entity goes.
        await rig.RunAsync(alice.Multiplayer.LeaveSessionAsync(cancel), "alice to leave");
        await rig.TickUntilAsync(() => Logged(bob).Count == 4, "bob's script to hear alice leave");
        Assert.Equal("lua-migrating-alice left (2 still in the session)", Logged(bob)[3]);
        await rig.TickUntilAsync(() => Values(bob.World).Count == 2 && Values(carol.World).Count == 2, "alice's entity to go");
        long beats = bob.Entry!.Heartbeats;
        await rig.TickUntilAsync(() => bob.Entry!.Heartbeats >= beats + 2, "bob to report carol, his successor, to the directory");
        var bobEntity = Assert.Single(Values(bob.World, new QueryDescription().WithAll<Position2, LocalOwner>()));
        var carolEntity = Assert.Single(Values(bob.World), v => v != bobEntity);

        // Bob's game dies. Carol takes the session over from the world she kept, with the owners bob sent: bob's entity
        // goes, hers is her own again (the game spawns nothing for her).
        bob.Running = false;
        bob.Link.Cut = true;
        await rig.TickUntilAsync(() => carol.Host is not null, "carol to host");
        await rig.TickUntilAsync(() => Values(carol.World).Count == 1, $"bob's entity to go on carol's host ({string.Join(",", Values(carol.World))})");
        Assert.Equal([carolEntity], Values(carol.World));
        Assert.Equal([carolEntity], Values(carol.World, new QueryDescription().WithAll<Position2, LocalOwner>()));
    }

    [Fact]
    public async Task A_player_who_leaves_a_Lua_hosted_session_through_the_directory_is_cut_and_announced_gone_at_the_next_heartbeat()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var rig = await LuaMigrationRig.StartAsync();
        var (bob, carol) = (rig.Bob, rig.Carol);
        var hosting = Load(bob, Hosting, null);
        await rig.TickUntilAsync(() => hosting.WaitingEntries == 0, "bob's createSession");
        Assert.Empty(hosting.Errors);
        var id = SessionId.TryParse(hosting.GetGlobal("sessionId").AsString, out var parsed) ? parsed : throw new InvalidOperationException("no session id");
        var joining = Load(carol, Joining, id.ToString());
        await rig.TickUntilAsync(() => joining.WaitingEntries == 0, "carol's joinSession");
        Assert.Empty(joining.Errors);
        await rig.TickUntilAsync(() => Logged(bob).Count == 2, "bob's script to hear carol join");
        long carolId = (await rig.Directory.GetSessionAsync(id, cancel))!.Members.Single(m => m.Name == carol.Name).UserId;

        // Carol leaves through the directory, as from another device: her game's connection to bob's host stays open. Bob's
        // PlayerSessionHost (which his game's StartHosting returned) hears of it with its next heartbeat, and the scripts'
        // relay cuts her and announces her gone. Before, nothing reached the relay: she stayed connected and in his game.
        Assert.True(await carol.Link.LeaveSessionAsync(id, carolId, cancel));
        Assert.Equal(ClientState.Connected, carol.Client.Transport.State);
        await rig.TickUntilAsync(() => Logged(bob).Count == 3, "bob's script to hear carol leave");
        Assert.Equal($"{carol.Name} left (1 still in the session)", Logged(bob)[2]);
        await rig.TickUntilAsync(() => carol.Client.Transport.State == ClientState.Disconnected, "bob's host to cut carol");
        Assert.Equal(DisconnectReason.LeftSession, carol.Client.Transport.LastDisconnectReason);
        Assert.Empty(hosting.Errors);
    }

    [Fact]
    public async Task A_game_that_ticks_its_host_before_the_scripts_is_refused_with_an_explanation()
    {
        await using var rig = await LuaMigrationRig.StartAsync();
        var bob = rig.Bob;
        bob.HostFirst = true;
        var hosting = Load(bob, Hosting, null);

        // The host received (its own player's join) before the scripts' system could attach the session's relay.
        var error = await Assert.ThrowsAsync<LuaHostingOrderException>(() => rig.TickUntilAsync(() => hosting.WaitingEntries == 0, "bob's createSession"));
        Assert.Contains("Tick the NetworkHost after the LuaScriptSystem", error.Message, StringComparison.Ordinal);
    }

    private static string Seed(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scripting", "Seed", file));

    private static LuaScript Load(LuaPlayer player, string source, string? sessionId)
    {
        var globals = new Dictionary<string, ScriptValue> { ["username"] = player.Name, ["password"] = SeedNetwork.Password };
        if (sessionId is not null) globals["sessionId"] = sessionId;
        return player.Scripts.Load(player.Name + ".lua", source, globals);
    }

    /// <summary>What the player's script logged after its login.</summary>
    private static List<string> Logged(LuaPlayer player) =>
        player.Scripts.Info.Where(line => line.StartsWith($"[{player.Name}.lua] ", StringComparison.Ordinal))
            .Select(line => line[$"[{player.Name}.lua] ".Length..]).Where(line => !line.StartsWith("Logged in", StringComparison.Ordinal)).ToList();

    private static List<(float, float)> Values(World world) => Values(world, new QueryDescription().WithAll<Position2>());

    private static List<(float, float)> Values(World world, QueryDescription query)
    {
        var values = new List<(float, float)>();
        world.Query(query, (ref Position2 p) => values.Add((MathF.Round(p.Value.X, 2), MathF.Round(p.Value.Y, 2))));
        values.Sort();
        return values;
    }
}
