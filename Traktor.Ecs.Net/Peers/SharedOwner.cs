namespace Traktor.Ecs.Net;

/// <summary>
/// The authority component of shared-authority mode: which peer owns the entity and the version of the claim that made
/// it the owner. Only the owner writes the entity's shared state; every other peer applies the owner's writes.
/// Conflicting claims are settled by <see cref="Outranks"/>, the same rule on every peer, so every peer ends with the
/// same owner whatever order the claims arrived in.
/// </summary>
/// <param name="Peer">The owning peer's id.</param>
/// <param name="Version">The claim's version: one more than the version its claimant had seen.</param>
public readonly record struct SharedOwner(ulong Peer, uint Version)
{
    /// <summary>
    /// The conflict rule: a claim outranks another when its version is higher, or when the versions are equal and its
    /// peer id is lower. Two peers that claim the same entity at the same time both claim version n + 1, and the lower
    /// peer id wins on every peer.
    /// </summary>
    /// <param name="other">The claim in force.</param>
    /// <returns>True when this claim replaces <paramref name="other"/>.</returns>
    public bool Outranks(in SharedOwner other) => Version > other.Version || (Version == other.Version && Peer < other.Peer);
}
