using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Docs;
using Traktor.Ecs.Net.Tests.Replication;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// Lua games migrate to a successor host through the seed's <c>multiplayer</c>, as C# games do through <see cref="Multiplayer"/>:
/// alice (C#) hosts, bob and carol (Lua) join with <c>multiplayer:joinSession</c>; alice's game dies. The directory gives the
/// session to bob, the first player she reported, whose script's player hosts the world it kept through the game's
/// <see cref="ScriptServices.StartHosting"/>; carol's client follows him. Both scripts hear <c>onHostLost</c> (with
/// <c>multiplayer:isMigrating()</c> true) then <c>onHostMigrated</c>, and the entities go on: alice's gone, bob's and carol's
/// handed back to them. Before, the Lua players' clients just lost the host: no event, no successor, the world dropped.
/// A Lua successor whose hook fails leaves its world whole and follows the next successor, as a C# one does.
/// </summary>
[Collection(nameof(SeedSnippetTests))]
public sealed partial class LuaHostMigrationTests
{
    /// <summary>The migration handlers docs/SCRIPTING.md shows, as written.</summary>
    private static readonly string Documented = MarkdownCodeBlocks.Parse("docs/SCRIPTING.md",
            File.ReadAllText(Path.Combine(DocsCompileTests.RepositoryRoot(), "docs", "SCRIPTING.md")))
        .Single(b => b.Language == "lua" && b.Code.Contains("onHostMigrated", StringComparison.Ordinal)).Code;

    /// <summary>The seed's login and join, the documented handlers, and a wrapper that records what they were called with.</summary>
    private static readonly string Script = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scripting", "Seed", "02-login.lua")) + """
        local session = multiplayer:joinSession(sessionId)

        """ + Documented + """

        events = {}
        local lost, migrated, failed = Script.onHostLost, Script.onHostMigrated, Script.onHostMigrationFailed

        function Script:onHostLost(session)
            events[#events + 1] = "lost " .. session.id
            migratingWhenLost = multiplayer:isMigrating()
            lost(self, session)
        end

        function Script:onHostMigrated(info)
            events[#events + 1] = "migrated " .. info.session.id
            previousHost, newHost, isLocalHost = info.previousHostId, info.newHostId, info.isLocalHost
            migratingAfter = multiplayer:isMigrating()
            migrated(self, info)
        end

        function Script:onHostMigrationFailed(session)
            events[#events + 1] = "failed " .. session.id
            failed(self, session)
        end

        function Script:leave()
            left = multiplayer:leaveSession()
        end
        """;

    [Fact]
    public async Task Lua_players_of_a_lost_host_migrate_to_a_successor_that_hosts_their_world_through_StartHosting()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var rig = await LuaMigrationRig.StartAsync();
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var (session, bobScript, carolScript) = await LuaPlayersJoinAliceAsync(rig);
        await rig.TickUntilAsync(() => new[] { alice.World, bob.World, carol.World }.All(w => Values(w).Count == 3), "every world to hold the three players' entities");
        long beats = alice.Multiplayer.HostEntry!.Heartbeats;
        await rig.TickUntilAsync(() => alice.Multiplayer.HostEntry!.Heartbeats >= beats + 2, "alice to report bob and carol, her successors, to the directory");
        var before = Values(alice.World);
        var aliceEntity = Assert.Single(Values(alice.World, new QueryDescription().WithAll<Position2, LocalOwner>()));
        var members = (await rig.Directory.GetSessionAsync(session.Id, cancel))!.Members;
        long aliceId = alice.Multiplayer.UserId!.Value;
        long bobId = members.Single(m => m.Name == bob.Name).UserId;

        // Alice's game dies: no more ticks, and its heartbeats stop reaching the backend.
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => Events(bobScript).Count == 2 && Events(carolScript).Count == 2, "both scripts to hear the migration");
        string id = session.Id.ToString();
        Assert.Equal(["lost " + id, "migrated " + id], Events(bobScript));
        Assert.Equal(["lost " + id, "migrated " + id], Events(carolScript));
        foreach (var script in new[] { bobScript, carolScript })
        {
            Assert.Empty(script.Errors);
            Assert.True(script.GetGlobal("migratingWhenLost").AsBoolean);
            Assert.False(script.GetGlobal("migratingAfter").AsBoolean);
            Assert.Equal(aliceId, script.GetGlobal("previousHost").AsInteger);
            Assert.Equal(bobId, script.GetGlobal("newHost").AsInteger);
        }

        // The documented handlers logged what happened.
        Assert.Equal([$"Host of {id} lost, migrating: true", $"Host {aliceId} replaced by {bobId}", $"We host {id} now"], Logged(bob));
        Assert.Equal([$"Host of {id} lost, migrating: true", $"Host {aliceId} replaced by {bobId}", $"Playing under {bobId}"], Logged(carol));

        // Bob's game hosts now, through its StartHosting hook; carol's client plays under it.
        Assert.True(bobScript.GetGlobal("isLocalHost").AsBoolean);
        Assert.False(carolScript.GetGlobal("isLocalHost").AsBoolean);
        Assert.NotNull(bob.Host);
        Assert.Null(carol.Host);
        var directory = (await rig.Directory.GetSessionAsync(session.Id, cancel))!;
        Assert.Equal(SessionState.Live, directory.State);
        Assert.Equal(bobId, directory.HostUserId);

        // The world goes on from where alice left it: her entity is gone, bob's and carol's are where they were, and each is
        // its player's again on bob's host (the game spawned nothing for them); carol's world converges on bob's.
        var kept = before.Where(v => v != aliceEntity).ToList();
        Assert.Equal(kept, Values(bob.World));
        await rig.TickUntilAsync(() => Values(carol.World).SequenceEqual(kept), $"carol to converge on bob's world ({string.Join(",", Values(carol.World))} vs {string.Join(",", kept)})");
        await rig.TickUntilAsync(() => Owned(bob.World) == 2, "carol to get her entity back on bob's host");
        Assert.Equal(kept, Values(bob.World));
        Assert.Equal(1, bob.World.CountEntities(new QueryDescription().WithAll<Position2, LocalOwner>()));

        // Bob's host is the authority: what it moves, carol sees.
        rig.Moving = true;
        for (int i = 0; i < 30; i++) rig.Tick();
        rig.Moving = false;
        var moved = Values(bob.World);
        Assert.All(moved, v => Assert.DoesNotContain(v, kept));
        await rig.TickUntilAsync(() => Values(carol.World).SequenceEqual(moved), "carol to follow bob's moves");
    }

    [Fact]
    public async Task A_Lua_successor_whose_StartHosting_fails_keeps_its_world_whole_and_follows_the_next_successor()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var rig = await LuaMigrationRig.StartAsync();
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var (session, bobScript, carolScript) = await ThreePlayersAsync(rig);
        var before = Values(alice.World); // nothing moves: what bob and carol converged on
        var aliceEntity = Assert.Single(Values(alice.World, new QueryDescription().WithAll<Position2, LocalOwner>()));
        long carolId = (await rig.Directory.GetSessionAsync(session.Id, cancel))!.Members.Single(m => m.Name == carol.Name).UserId;

        // Bob, the first successor, gets the session, but his game cannot host it: its StartHosting hook fails.
        bob.FailHosting = true;
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.HostingRefusals > 0, "bob's hosting hook to fail");
        for (int i = 0; i < 5; i++) rig.Tick();

        // His world is what alice last sent (the takeover changed nothing: alice's entity is still there, his replica still
        // applies snapshots), and his script still migrates. Had the world become the host's before the hook, he would be
        // left with half a host's world that no longer follows any host.
        Assert.Equal(before, Values(bob.World));
        string id = session.Id.ToString();
        Assert.Equal(["lost " + id], Events(bobScript));
        Assert.Null(bob.Host);

        // Carol, the next successor, takes the session over once bob stays silent; bob follows her.
        await rig.TickUntilAsync(() => Events(bobScript).Count == 2 && Events(carolScript).Count == 2, "carol to host and bob to follow her");
        Assert.Equal(["lost " + id, "migrated " + id], Events(bobScript));
        Assert.Equal(["lost " + id, "migrated " + id], Events(carolScript));
        Assert.Empty(bobScript.Errors);
        Assert.Empty(carolScript.Errors);
        Assert.True(carolScript.GetGlobal("isLocalHost").AsBoolean);
        Assert.False(bobScript.GetGlobal("isLocalHost").AsBoolean);
        Assert.Equal(carolId, bobScript.GetGlobal("newHost").AsInteger);
        Assert.Equal(1, bob.HostingRefusals);
        Assert.Null(bob.Host);
        Assert.NotNull(carol.Host);
        Assert.Equal(carolId, (await rig.Directory.GetSessionAsync(session.Id, cancel))!.HostUserId);

        // Carol's world goes on from alice's (her entity gone); bob gets his entity back on carol's host and sees her world.
        var kept = before.Where(v => v != aliceEntity).ToList();
        Assert.Equal(kept, Values(carol.World));
        await rig.TickUntilAsync(() => Owned(carol.World) == 2 && Values(bob.World).SequenceEqual(kept),
            $"bob to get his entity back on carol's host ({string.Join(",", Values(bob.World))} vs {string.Join(",", kept)})");
    }

    /// <summary>
    /// Alice hosts a player-hosted session and bob and carol join it, each running <paramref name="source"/> (the migration
    /// script when null); returns once the owners reached both Lua players (a host loss is then one to migrate from).
    /// </summary>
    private static async Task<(SessionInfo Session, LuaScript Bob, LuaScript Carol)> LuaPlayersJoinAliceAsync(LuaMigrationRig rig, string? source = null)
    {
        var (bob, carol) = (rig.Bob, rig.Carol);
        var session = await rig.RunAsync(rig.Alice.Multiplayer.CreateSessionAsync(new SessionOptions("lua-coop", 4), SessionHostKind.Player, TestContext.Current.CancellationToken),
            "alice to host");
        var bobScript = await JoinAsync(rig, bob, session, source);
        var carolScript = await JoinAsync(rig, carol, session, source);
        await rig.TickUntilAsync(() => bob.Scripts.System.HasHostOwners && carol.Scripts.System.HasHostOwners, "the owners to reach the Lua players");
        return (session, bobScript, carolScript);
    }

    private static async Task<LuaScript> JoinAsync(LuaMigrationRig rig, LuaPlayer player, SessionInfo session, string? source = null)
    {
        var globals = new Dictionary<string, ScriptValue> { ["username"] = player.Name, ["password"] = SeedNetwork.Password, ["sessionId"] = session.Id.ToString() };
        var script = player.Scripts.Load(player.Name + ".lua", source ?? Script, globals);
        await rig.TickUntilAsync(() => script.WaitingEntries == 0, $"{player.Name}'s joinSession");
        Assert.Empty(script.Errors);
        return script;
    }

    /// <summary>What the player's script logged after its login.</summary>
    private static List<string> Logged(LuaPlayer player) =>
        player.Scripts.Info.Where(line => line.StartsWith($"[{player.Name}.lua] ", StringComparison.Ordinal))
            .Select(line => line[$"[{player.Name}.lua] ".Length..]).Where(line => !line.StartsWith("Logged in", StringComparison.Ordinal)).ToList();

    private static List<string> Events(LuaScript script)
    {
        var events = script.GetGlobal("events").AsTable;
        return events is null ? [] : events.Items.Select(e => e.AsString ?? "").ToList();
    }

    private static List<(float, float)> Values(World world) => Values(world, new QueryDescription().WithAll<Position2>());

    private static List<(float, float)> Values(World world, QueryDescription query)
    {
        var values = new List<(float, float)>();
        world.Query(query, (ref Position2 p) => values.Add((MathF.Round(p.Value.X, 2), MathF.Round(p.Value.Y, 2))));
        values.Sort();
        return values;
    }

    private static int Owned(World world) => world.CountEntities(new QueryDescription().WithAll<Position2, NetworkOwner>());
}
