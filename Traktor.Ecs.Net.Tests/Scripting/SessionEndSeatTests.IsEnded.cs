using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Tests.Docs;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// <c>multiplayer:isEnded()</c>, <see cref="Multiplayer.IsEnded"/>'s counterpart: true while the world shows a session that
/// ended under the script's player, from the end until it plays again, so a script's rules can stand still over the end
/// screen.
/// </summary>
public sealed partial class SessionEndSeatTests
{
    [Fact]
    public async Task IsEnded_holds_from_the_end_of_the_session_until_the_script_joins_again_and_the_documented_rules_stand_still()
    {
        // The rules that stand still over an ended session, as docs/SCRIPTING.md shows them (read here, not in a static
        // field: a docs edit that loses the block fails this test alone, not every test of the class).
        string documentedIsEnded = MarkdownCodeBlocks.Parse("docs/SCRIPTING.md",
                File.ReadAllText(Path.Combine(DocsCompileTests.RepositoryRoot(), "docs", "SCRIPTING.md")))
            .Single(b => b.Language == "lua" && b.Code.Contains("multiplayer:isEnded()", StringComparison.Ordinal)).Code;
        using var game = await GameAsync(extraSource: documentedIsEnded);
        game.Join();
        game.Setup.Tick(10);
        Assert.True(game.Plays.Value > 0, "the game's rules run while the player plays");

        // The game server cuts the player: the session goes on, and the script may join it again.
        game.Setup.Harness.Server.Disconnect(game.Setup.ConnectionOf((ulong)Player), DisconnectReason.Kicked);
        Assert.True(game.Setup.TickUntil(() => game.Ended.Count == 1, 240), "the script did not hear the end");
        Assert.Equal(["ConnectionLost Kicked"], game.Ended);
        Assert.True(game.Script.GetGlobal("endedWhenTold").AsBoolean, "onSessionEnded sees isEnded() true");
        int atEnd = game.Plays.Value;
        game.Setup.Tick(30);
        Assert.Equal(atEnd, game.Plays.Value); // the rules stood still over the end screen

        game.Join(); // plays again: the end screen goes
        game.Setup.Tick(10);
        Assert.True(game.Plays.Value > atEnd, "the rules run again once the player plays");
        Assert.Empty(game.Script.Errors);
    }
}
