-- Create session
local session = multiplayer:createSession("MyGame", 4)  -- Max 4 players

-- Join session
local session = multiplayer:joinSession(sessionId)

-- Leave session
multiplayer:leaveSession()
