-- Call function on remote client
multiplayer:rpc("onPlayerJoined", {
    playerId = playerId,
    playerName = playerName
})

-- Handle RPC
function Script:onPlayerJoined(self, params)
    log:info("Player joined: " .. params.playerName)
end
