export { looksLikeUtp } from './packet.js';
export { createUtpBudget, UtpManager, type DatagramSend, type UtpManagerOptions, type UtpSharedBudget } from './manager.js';
export { UtpSocket } from './utp-socket.js';
