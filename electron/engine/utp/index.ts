export { looksLikeUtp } from './packet.js';
export { UtpManager, type DatagramSend, type UtpManagerOptions } from './manager.js';
export { UtpSocket } from './utp-socket.js';
