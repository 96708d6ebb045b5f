namespace Demo.Run;

/// <summary>
/// How one bot's replicated world compared with the server's once play was frozen: the entities it
/// should see (those within its view radius), those it has, and positions that differ.
/// </summary>
public sealed record ConvergenceResult(string Bot, int Expected, int Actual, int Missing, int Extra, int WrongPositions)
{
    /// <summary>Whether the client's view is exactly the server's relevant state.</summary>
    public bool Converged => Expected == Actual && Missing == 0 && Extra == 0 && WrongPositions == 0;
}
