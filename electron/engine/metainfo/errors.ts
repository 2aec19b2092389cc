/**
 * Why a .torrent was rejected. Codes follow libtorrent's error names (errors::…) so a
 * verdict can be compared with libtorrent's own, plus a few of ours.
 */
export type MetainfoErrorCode =
  | 'invalid_bencoding'
  | 'metadata_too_large'
  | 'torrent_is_no_dict'
  | 'torrent_missing_info'
  | 'torrent_info_no_dict'
  | 'torrent_missing_piece_length'
  | 'torrent_missing_name'
  | 'torrent_invalid_name'
  | 'torrent_invalid_length'
  | 'torrent_file_parse_failed'
  | 'torrent_missing_pieces'
  | 'torrent_invalid_hashes'
  | 'too_many_pieces_in_torrent'
  | 'no_files_in_torrent'
  | 'too_many_duplicate_filenames'
  | 'torrent_unknown_version'
  | 'torrent_missing_file_tree'
  | 'torrent_missing_meta_version'
  | 'torrent_inconsistent_files'
  | 'torrent_missing_pieces_root'
  | 'torrent_invalid_pad_file'
  | 'torrent_invalid_piece_layer'
  | 'torrent_missing_piece_layer'
  | 'torrent_directory_too_deep'
  | 'path_outside_save_dir';

export class MetainfoError extends Error {
  override readonly name = 'MetainfoError';
  constructor(
    readonly code: MetainfoErrorCode,
    message: string,
  ) {
    super(message);
  }
}
