using System.Collections.Generic;

namespace Traktor.Ecs.Generators;

/// <summary>Every generated source of Traktor.Ecs, one emitter per concept.</summary>
internal static class ArityEmitters
{
    /// <summary>The emitters, in the order their sources are added.</summary>
    public static IReadOnlyList<IArityEmitter> All { get; } =
    [
        new ComponentsEmitter(),
        new ComponentSignaturesEmitter(),
        new GroupsEmitter(),
        new EntityComponentsEmitter(),
        new ChunkRowsEmitter(),
        new ChunkColumnsEmitter(),
        new WorldBulkEmitter(),
        new WorldBulkCreateEmitter(),
        new ForEachDelegatesEmitter(),
        new ForEachInterfacesEmitter(),
        .. SequentialQueriesEmitter.All,
        new ParallelQueriesEmitter(),
        new ParallelActionsEmitter(),
        new WorldComponentsEmitter(),
        new WorldStructuralEmitter(),
        new EntityExtensionsEmitter(),
        new QueryDescriptionExclusiveEmitter(),
        new SignatureCacheEmitter(),
        new WorldCreateEmitter(),
        new QueryDescriptionWithEmitter(),
    ];
}
