namespace Traktor.Ecs.Net.Online;

/// <summary>How a submitted score combines with the player's current record.</summary>
public enum LeaderboardOperator
{
    /// <summary>Keep the better of the two, as the board's sort order defines better.</summary>
    Best,

    /// <summary>Replace the record with the submitted score.</summary>
    Set,

    /// <summary>Add the submitted (non-negative) amount to the record.</summary>
    Increment,

    /// <summary>Subtract the submitted (non-negative) amount from the record.</summary>
    Decrement,
}
