using System.Globalization;

namespace Demo.Run;

/// <summary>
/// How well one bot was served during play: its prediction corrections and how many of the server's ticks had
/// no input from it. A run that converged can still have been unplayable (a bot mispredicting every snapshot, or
/// inputs that stopped arriving), so the verdict checks these against stated limits too.
/// </summary>
/// <param name="Bot">The bot's name.</param>
/// <param name="PlayedSeconds">The length of the play phase measured.</param>
/// <param name="Corrections">Prediction corrections during play.</param>
/// <param name="TicksWithInput">Server ticks that used a fresh input from this bot.</param>
/// <param name="TicksWithoutInput">Server ticks that had none (its last input was repeated).</param>
/// <param name="LateInputs">Inputs that arrived after their tick was simulated.</param>
/// <param name="EarlyInputs">Inputs that arrived too far ahead of their tick to be held.</param>
public sealed record ClientHealth(string Bot, double PlayedSeconds, long Corrections, long TicksWithInput, long TicksWithoutInput, long LateInputs, long EarlyInputs)
{
    /// <summary>More corrections per second than this fail the run (a smoothly predicted ship needs well under one).</summary>
    public const double MaxCorrectionsPerSecond = 20;

    /// <summary>A larger share of server ticks without the bot's input fails the run (its inputs stopped arriving).</summary>
    public const double MaxShareWithoutInput = 0.5;

    /// <summary>Corrections per second of play.</summary>
    public double CorrectionsPerSecond => PlayedSeconds <= 0 ? 0 : Corrections / PlayedSeconds;

    /// <summary>The share of the server's ticks for this bot that had no fresh input (0 when the server is elsewhere).</summary>
    public double ShareWithoutInput => TicksWithInput + TicksWithoutInput == 0 ? 0 : TicksWithoutInput / (double)(TicksWithInput + TicksWithoutInput);

    /// <summary>Whether both figures are within their limits.</summary>
    public bool Healthy => Problem is null;

    /// <summary>What is wrong, in one line, or null when healthy.</summary>
    public string? Problem
    {
        get
        {
            var c = CultureInfo.InvariantCulture;
            if (CorrectionsPerSecond > MaxCorrectionsPerSecond)
            {
                return string.Create(c, $"{Bot}: {Corrections} prediction corrections in {PlayedSeconds:F1} s ({CorrectionsPerSecond:F1}/s, limit {MaxCorrectionsPerSecond}/s)");
            }

            if (ShareWithoutInput > MaxShareWithoutInput)
            {
                return string.Create(c, $"{Bot}: {TicksWithoutInput} of {TicksWithInput + TicksWithoutInput} server ticks without its input ({ShareWithoutInput:P0}, limit {MaxShareWithoutInput:P0}; {LateInputs} late, {EarlyInputs} too early)");
            }

            return null;
        }
    }
}
