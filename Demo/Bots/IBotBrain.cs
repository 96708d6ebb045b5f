using Demo.Game;

namespace Demo.Bots;

/// <summary>What flies a bot: the built-in <see cref="BotBrainSystem"/> or a Lua script (<see cref="ScriptedBotBrain"/>).</summary>
public interface IBotBrain
{
    /// <summary>When set, the bot stops flying and shooting (the match is over).</summary>
    bool Idle { get; set; }

    /// <summary>The input the bot wants for the next predicted tick.</summary>
    ShipInput Input { get; }

    /// <summary>Fire RPCs sent.</summary>
    long ShotsRequested { get; }
}
